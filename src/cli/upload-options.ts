/**
 * What `scopectl openapi upload` takes from its user before it calls anyone: the server's URL
 * (--server) and the client credentials, which come from the environment only.
 */
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import { LOOPBACK_HOSTS } from "../model/uris.ts";
import { CLIENT_ID_ENV, CLIENT_SECRET_ENV } from "./options.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * --server: an http(s) URL without credentials, query or fragment; http only on a loopback host, since
 * the client secret travels to it (RFC 6749 §2.3.1 requires TLS). The value is never echoed with what
 * may be a password in it.
 */
export function parseServerUrl(value: string): URL {
  const shown = `--server "${redactUrls(value)}"`;
  if (redactUrls(value) !== value) {
    throw new ScopectlError(
      "option.invalid",
      `${shown} carries a user name or password; give the server's URL alone: the client credentials come from ${CLIENT_ID_ENV} and ${CLIENT_SECRET_ENV}`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ScopectlError(
      "option.invalid",
      `${shown} is not a URL; give the service's URL, e.g. https://auth.example.com`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ScopectlError("option.invalid", `${shown} is not an http(s) URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ScopectlError(
      "option.invalid",
      `${shown} carries a user name or password; give the server's URL alone`,
    );
  }
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) {
    throw new ScopectlError(
      "option.invalid",
      `${shown} has a query or a fragment; give the service's base URL`,
    );
  }
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.includes(url.host.replace(/:\d+$/, "").toLowerCase())) {
    throw new ScopectlError(
      "option.invalid",
      `${shown} uses http on "${url.hostname}", which is not a loopback host: the client secret would cross the network in clear text; use https (http is allowed only on 127.0.0.1, [::1] or localhost)`,
    );
  }
  return url;
}

/** The client credentials from the environment (never argv: `ps` and CI logs show it). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): ClientCredentials {
  const clientId = env[CLIENT_ID_ENV] ?? "";
  const clientSecret = env[CLIENT_SECRET_ENV] ?? "";
  const missing = [
    ...(clientId === "" ? [CLIENT_ID_ENV] : []),
    ...(clientSecret === "" ? [CLIENT_SECRET_ENV] : []),
  ];
  if (missing.length > 0) {
    throw new ScopectlError(
      "option.invalid",
      `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set: set ${CLIENT_ID_ENV} and ${CLIENT_SECRET_ENV} to the client id and secret of an m2m Application authorized for the management Api (from the CI's secret store; there is no flag for them, since argv shows in ps and in CI logs)`,
    );
  }
  return { clientId, clientSecret };
}
