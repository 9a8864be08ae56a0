/**
 * Client authentication as both OAuth endpoints run it: read the presented credentials, check the
 * secret (a SHA-256 comparison against the snapshot), then ask the limiter under the key of the client
 * id + address: a failure is counted and answered only while within the limit, anything else only
 * while the key is under it (else 429 + Retry-After, whatever was presented; failed-auth-limiter.ts).
 * Checking first costs one count per request, not a reservation held for a round trip to a shared
 * store, so a busy client with the right secret is never refused however many requests it runs at once.
 *
 * Keys. A client the snapshot knows is counted per (address, client id), so that failures under other
 * ids cannot lock it out. Every id that names no client shares one key per address: the ids are the
 * caller's choice, and a key per id would let one address store a key per request (and a limit per id,
 * i.e. none). So the limiter holds at most (clients + 1) keys per address key (an IPv4 address or an IPv6
 * /64, see clientAddressKey). That an unknown id meets the shared limit sooner than a known one tells
 * which ids exist; client ids are no secret (RFC 6749 §2.2), secrets are, and those stay limited.
 * A client_id longer than any client id can be (MAX_CLIENT_ID_LENGTH) is refused before anything is
 * counted or hashed, and is not echoed.
 */
import type { ServerContext } from "../context.ts";
import { FailedAuthLimiter } from "../failed-auth-limiter.ts";
import { clientAddressKey } from "../http/client-address.ts";
import type { OAuthRequest } from "../http/types.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import {
  authenticateClient,
  BASIC_CHALLENGE,
  type PresentedCredentials,
  presentedCredentials,
} from "./client-auth.ts";
import { OAuthError, RateLimitedError } from "./errors.ts";
import type { Form } from "./form.ts";

/**
 * The longest client id there is: the manifests' CLIENT_ID_PATTERN allows 1 to 128 characters, and a
 * generated id is shorter. A longer one names no client whatever it says.
 */
export const MAX_CLIENT_ID_LENGTH = 128;

/** The shared key's subject for ids that name no client; no client id contains U+0000. */
const UNKNOWN_CLIENT = "\u0000unknown";

function refuseOverlongId(credentials: PresentedCredentials): OAuthError {
  const description = `client_id is longer than ${MAX_CLIENT_ID_LENGTH} characters: no client has such an id`;
  // As authenticateClient answers: 401 with the challenge after Basic, else RFC 6749's 400 (a 401 must
  // carry a challenge, RFC 9110 §15.5.2, and one for a scheme the client did not use misleads it).
  return credentials.method === "client_secret_basic"
    ? new OAuthError("invalid_client", description, 401, BASIC_CHALLENGE)
    : new OAuthError("invalid_client", description, 400);
}

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
  const known = snapshot.clients.has(credentials.clientId);
  if (!known && credentials.clientId.length > MAX_CLIENT_ID_LENGTH) throw refuseOverlongId(credentials);
  const key = FailedAuthLimiter.key(
    known ? credentials.clientId : UNKNOWN_CLIENT,
    clientAddressKey(req.socket.remoteAddress),
  );
  let client: ClientEntry | undefined;
  let refused: unknown;
  try {
    client = authenticateClient(snapshot, credentials, allowPublic);
  } catch (error) {
    refused = error;
  }
  // The answer, whatever it is, waits for the limiter: past the limit nobody learns how the check went.
  const failed = refused instanceof OAuthError && refused.error === "invalid_client";
  const wait = failed ? await ctx.limiter.countFailure(key) : await ctx.limiter.refusal(key);
  if (wait !== undefined) throw new RateLimitedError(wait);
  if (!client) throw refused;
  return client;
}
