/**
 * RFC 6750 bearer tokens in the Authorization header for the endpoints that take access tokens (userinfo,
 * the management views), and their `WWW-Authenticate: Bearer` challenge (§3). The parser and the
 * challenge are the resource-server library's (one implementation for scopectl and the APIs it protects).
 */
import { bearerTokenOfHeader, bearerChallenge as challenge } from "../../resource-server/bearer.ts";
import { header, type OAuthRequest } from "./types.ts";

/** The bearer token the request presents, or undefined when it presents none (or not in that form). */
export function bearerTokenOf(req: OAuthRequest): string | undefined {
  return bearerTokenOfHeader(header(req, "authorization"));
}

/** `scope`: for insufficient_scope, the space-separated scopes the request lacks (RFC 6750 §3). */
export function bearerChallenge(error?: string, description?: string, scope?: string): string {
  return challenge({ realm: "scopectl", error, description, scope });
}
