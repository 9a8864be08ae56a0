/**
 * The URI rules of what reaches the store: redirect URIs, Api audiences and the issuer. Pure: each check
 * returns what is wrong as the end of a sentence ("... has a fragment"), or undefined when the value is
 * fine, so that the manifest loader can place it at a field and a resource provider can refuse the same
 * value from a Pulumi program.
 *
 * Redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7.1, §7.3, §8.3): an absolute URI without fragment or user
 * information; https with a host; http only on a loopback host (127.0.0.1, [::1], and localhost, which
 * RFC 8252 §8.3 discourages but which works the same for a browser on the user's machine); or a native
 * app's private-use scheme in reverse-domain form (com.example.app:/callback). Anything else (javascript:,
 * data:, vbscript:, file:, blob:, a scheme without a '.') is refused: a redirect URI ends up in the login
 * page's form-action and in a Location header, where such schemes run code or read local files.
 *
 * Audiences (RFC 8707 §2, RFC 9068 §3): an absolute URI without fragment, or a plain identifier (no ':',
 * no leading '/', no '#'). A value with a ':' or a leading '/' reads as a URI, so it must be an absolute
 * one; http(s) audiences name their host.
 *
 * RFC 3986 allows a port of any digits, but the server (and every browser) reads these URIs with WHATWG
 * URL, which refuses a port over 65535 and more: so a redirect URI, an issuer and an http(s) audience must
 * also parse as a WHATWG URL, with a port (when given) from 1 to 65535.
 */
import { fullFormats } from "ajv-formats/dist/formats.js";

/** ajv-formats' RFC 3986 check of an absolute URI (scheme, then a valid hierarchical part). */
const isAbsoluteUri = fullFormats.uri as (value: string) => boolean;

/** RFC 3986 Appendix B: a URI reference split into scheme, authority, path, query and fragment. */
const URI_PARTS = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

/** The hosts RFC 8252 §7.3 and §8.3 allow plain http on, as written in the URI (compared lowercased). */
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "[::1]", "localhost"];

/** RFC 8252 §7.1: a reverse domain name under the app's control, so at least two labels. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9][a-z0-9+-]*)+$/;

const ALLOWED_REDIRECTS =
  "a redirect URI is https://, http:// on a loopback host (127.0.0.1, [::1] or localhost), or a native app's private-use scheme in reverse-domain form, e.g. com.example.app:/callback (RFC 8252)";

interface UriParts {
  scheme: string;
  /** Undefined when there is no `//`. */
  authority?: string;
  fragment?: string;
}

function split(uri: string): UriParts | undefined {
  const m = URI_PARTS.exec(uri);
  if (!m?.[1]) return undefined;
  const parts: UriParts = { scheme: m[1].toLowerCase() };
  if (m[2] !== undefined) parts.authority = m[2];
  if (m[5] !== undefined) parts.fragment = m[5];
  return parts;
}

/** `[userinfo@]host[:port]` → its userinfo and host (the host lowercased; an IPv6 literal keeps []). */
function splitAuthority(authority: string): { userinfo?: string; host: string } {
  const at = authority.lastIndexOf("@");
  const hostPort = authority.slice(at + 1);
  const host =
    (hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.split(":")[0]) ?? "";
  return at === -1
    ? { host: host.toLowerCase() }
    : { userinfo: authority.slice(0, at), host: host.toLowerCase() };
}

/** The port of `[userinfo@]host[:port]`, undefined when there is none (or it is empty: the default). */
function portOf(authority: string): string | undefined {
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const afterHost = hostPort.startsWith("[") ? hostPort.slice(hostPort.indexOf("]") + 1) : hostPort;
  const colon = afterHost.indexOf(":");
  const port = colon === -1 ? "" : afterHost.slice(colon + 1);
  return port === "" ? undefined : port;
}

/** Why WHATWG URL (what the server and browsers parse with) would not take `uri`, or undefined. */
function checkParses(uri: string, parts: UriParts): string | undefined {
  const port = parts.authority === undefined ? undefined : portOf(parts.authority);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    const shown = /^\d{1,10}$/.test(port) ? `the port ${Number(port)}` : "a port";
    return `has ${shown}, which is not a port (1-65535)`;
  }
  if (!URL.canParse(uri)) return "is not a URL a browser can parse (WHATWG URL): check its host";
  return undefined;
}

/** The web-URL part of every rule: a host, no credentials, and http only on loopback. */
function checkWebAuthority(parts: UriParts, what: string, httpAdvice: string): string | undefined {
  if (parts.authority === undefined || splitAuthority(parts.authority).host === "") {
    return `has no host; ${what} names its host, e.g. ${parts.scheme}://app.example.com/`;
  }
  const { userinfo, host } = splitAuthority(parts.authority);
  if (userinfo !== undefined) {
    // Never echoed: it may be a password, and errors reach CI logs.
    return `has a user name or password before its host; ${what} carries no credentials`;
  }
  if (parts.scheme === "http" && !LOOPBACK_HOSTS.includes(host)) {
    return `uses http on the host "${host}", which is not a loopback host; http is allowed only on 127.0.0.1, [::1] or localhost: ${httpAdvice}`;
  }
  return undefined;
}

/** checkWebAuthority, then checkParses: `uri` is usable where the server reads it. */
function checkWebUrl(uri: string, parts: UriParts, what: string, httpAdvice: string): string | undefined {
  return checkWebAuthority(parts, what, httpAdvice) ?? checkParses(uri, parts);
}

/** Why `uri` may not be a redirect URI, or undefined when it may. */
export function checkRedirectUri(uri: string): string | undefined {
  if (uri.includes("#")) return "has a fragment (#...); a redirect URI must not (RFC 6749 §3.1.2)";
  const parts = split(uri);
  if (!parts || !isAbsoluteUri(uri)) {
    return "is not an absolute URI; a redirect URI starts with its scheme, e.g. https://app.example.com/callback";
  }
  if (parts.scheme === "https" || parts.scheme === "http") {
    return checkWebUrl(uri, parts, "a redirect URI", "use https (RFC 8252 §7.3, §8.3)");
  }
  if (PRIVATE_USE_SCHEME.test(parts.scheme)) {
    if (parts.authority !== undefined && splitAuthority(parts.authority).userinfo !== undefined) {
      return "has user information; a redirect URI carries no credentials";
    }
    // The server adds the response to it with WHATWG URL, whatever the scheme.
    return checkParses(uri, parts);
  }
  return `uses the "${parts.scheme}:" scheme, which is not allowed; ${ALLOWED_REDIRECTS}`;
}

/** Why `audience` may not be an Api audience (or a resource indicator), or undefined when it may. */
export function checkAudience(audience: string): string | undefined {
  if (audience.includes("#")) {
    return "has a fragment (#...); an audience is an absolute URI without fragment, or an identifier without '#' (RFC 8707 §2)";
  }
  // A plain identifier (`orders`, `orders-api`) is not a URI at all: nothing more to check.
  if (!audience.includes(":") && !audience.startsWith("/")) return undefined;
  const parts = split(audience);
  if (!parts || !isAbsoluteUri(audience)) {
    return "is not an absolute URI; an audience is an absolute URI such as https://api.example.com/orders, or an identifier without ':' and without a leading '/'";
  }
  if (parts.scheme === "https" || parts.scheme === "http") {
    if (parts.authority === undefined || splitAuthority(parts.authority).host === "") {
      return `has no host; an ${parts.scheme} audience names its host, e.g. ${parts.scheme}://api.example.com/orders`;
    }
    return checkParses(audience, parts);
  }
  return undefined;
}

/** Why `issuer` may not be the token issuer (RFC 8414 §2: https, no query or fragment), or undefined. */
export function checkIssuer(issuer: string): string | undefined {
  const parts = split(issuer);
  if (!parts || !isAbsoluteUri(issuer) || (parts.scheme !== "https" && parts.scheme !== "http")) {
    return "is not an http(s) URL; an issuer is an https URL such as https://auth.example.com";
  }
  if (issuer.includes("?") || issuer.includes("#")) {
    return "has a query or a fragment; an issuer has neither (RFC 8414 §2)";
  }
  return checkWebUrl(issuer, parts, "an issuer", "an issuer is an https URL (RFC 8414 §2)");
}
