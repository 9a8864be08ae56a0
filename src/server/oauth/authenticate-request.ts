/**
 * Client authentication as both OAuth endpoints run it: read the presented credentials, refuse a
 * client id + address that failed too often (429 + Retry-After), check the secret, and count a failure.
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
  const wait = await ctx.limiter.retryAfter(key);
  if (wait > 0) throw new RateLimitedError(wait);
  try {
    return authenticateClient(snapshot, credentials, allowPublic);
  } catch (error) {
    if (error instanceof OAuthError && error.code === "invalid_client") await ctx.limiter.recordFailure(key);
    throw error;
  }
}
