/**
 * The authorization response (RFC 6749 §4.1.2, §4.1.2.1): the browser goes back to the client's
 * redirect URI with the code or the error, the request's `state`, and `iss` (RFC 9207) so that a client
 * of several servers can tell which one answered.
 */
import type { Snapshot } from "../snapshot.ts";

/**
 * The client's redirect URI with the response parameters added (its own query is kept). Only for a
 * URI checkAuthorizationRequest let through (authorization-request.ts), which parses.
 */
export function redirectTo(
  snapshot: Snapshot,
  redirectUri: string,
  state: string | undefined,
  response: Record<string, string>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(response)) url.searchParams.set(name, value);
  if (state !== undefined) url.searchParams.set("state", state);
  url.searchParams.set("iss", snapshot.issuer);
  return url.href;
}
