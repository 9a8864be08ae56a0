/**
 * Client authentication as both OAuth endpoints run it: read the presented credentials, reserve a check
 * for the client id + address (429 + Retry-After when it failed too often), check the secret, and give
 * the reservation back unless the check failed.
 */
import type { ServerContext } from "../context.ts";
import { FailedAuthLimiter } from "../failed-auth-limiter.ts";
import type { OAuthRequest } from "../http/types.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { authenticateClient, presentedCredentials } from "./client-auth.ts";
import { OAuthError, RateLimitedError } from "./errors.ts";
import type { Form } from "./form.ts";

export async function authenticateRequest(
  ctx: ServerContext,
  snapshot: Snapshot,
  req: OAuthRequest,
  form: Form,
  /** Accept a public client's bare client_id (the user grants of the token endpoint). */
  allowPublic = false,
): Promise<ClientEntry> {
  const credentials = presentedCredentials(req, form);
  if (!credentials) {
    throw new OAuthError(
      "invalid_client",
      "client authentication is required (Basic, or client_id and client_secret in the body)",
    );
  }
  const key = FailedAuthLimiter.key(credentials.clientId, req.socket.remoteAddress ?? "unknown");
  // Reserved before the check, so that parallel requests never run more checks than the limit.
  const reservation = await ctx.limiter.reserve(key);
  if (!reservation.granted) throw new RateLimitedError(reservation.retryAfterSeconds);
  let client: ClientEntry;
  try {
    client = authenticateClient(snapshot, credentials, allowPublic);
  } catch (error) {
    // A failed authentication keeps its point; anything else was no failure and gives it back.
    if (!(error instanceof OAuthError && error.code === "invalid_client")) await ctx.limiter.release(key);
    throw error;
  }
  await ctx.limiter.release(key);
  return client;
}
