/**
 * RFC 6750 bearer tokens in the Authorization header: the one parser of the endpoints that take access
 * tokens (userinfo, the management views), and their `WWW-Authenticate: Bearer` challenge (§3).
 */
import { header, type OAuthRequest } from "./types.ts";

/** RFC 6750 §2.1: `Bearer` (any case), spaces, then a b64token; spaces after it are tolerated. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token the request presents, or undefined when it presents none (or not in that form). */
export function bearerTokenOf(req: OAuthRequest): string | undefined {
  return BEARER.exec(header(req, "authorization") ?? "")?.[1];
}

/** `scope`: for insufficient_scope, the space-separated scopes the request lacks (RFC 6750 §3). */
export function bearerChallenge(error?: string, description?: string, scope?: string): string {
  const params = ['realm="scopectl"'];
  if (error) params.push(`error="${error}"`);
  if (description) params.push(`error_description="${description}"`);
  if (scope) params.push(`scope="${scope}"`);
  return `Bearer ${params.join(", ")}`;
}
