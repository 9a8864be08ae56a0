/**
 * RFC 6750 bearer tokens: reading one from the Authorization header (§2.1), and the
 * `WWW-Authenticate: Bearer` challenge (§3) with RFC 9728 §5.1's `resource_metadata`. The one
 * implementation for scopectl's own endpoints (userinfo, the management API) and for the APIs it protects.
 */

/** RFC 6750 §2.1: `Bearer` (any case), spaces, then a b64token; spaces after it are tolerated. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/;

/** What an Authorization header holds: nothing, a bearer token, or something else (another scheme, malformed). */
export type AuthorizationValue =
  | { kind: "none" }
  | { kind: "bearer"; token: string }
  | { kind: "other"; scheme: string | undefined };

export function readAuthorization(header: string | undefined): AuthorizationValue {
  if (header === undefined || header.trim() === "") return { kind: "none" };
  const token = BEARER.exec(header)?.[1];
  if (token !== undefined) return { kind: "bearer", token };
  return { kind: "other", scheme: SCHEME.exec(header)?.[1] };
}

/** The bearer token of an Authorization header, or undefined when it holds none (or not in that form). */
export function bearerTokenOfHeader(header: string | undefined): string | undefined {
  const value = readAuthorization(header);
  return value.kind === "bearer" ? value.token : undefined;
}

export interface ChallengeParams {
  realm?: string;
  /** RFC 6750 §3.1: absent when the request carried no credentials. */
  error?: string;
  description?: string;
  /** The scopes the request needs (RFC 6750 §3), space-separated in the header. */
  scope?: readonly string[] | string;
  /** RFC 9728 §5.1: where the protected resource's metadata is. */
  resourceMetadata?: string;
}

/**
 * RFC 6750 §3: every attribute value is a quoted-string whose characters are %x20-21 / %x23-5B / %x5D-7E,
 * so a `"`, a `\`, a control or a non-ASCII character (from an exception message, a scope) is dropped
 * rather than allowed to end the string or split the header.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "")}"`;
}

export function bearerChallenge(params: ChallengeParams = {}): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quoted(params.realm)}`);
  if (params.error) parts.push(`error=${quoted(params.error)}`);
  if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  const scope = typeof params.scope === "string" ? params.scope : params.scope?.join(" ");
  if (scope) parts.push(`scope=${quoted(scope)}`);
  if (params.resourceMetadata) parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  return parts.length === 0 ? "Bearer" : `Bearer ${parts.join(", ")}`;
}
