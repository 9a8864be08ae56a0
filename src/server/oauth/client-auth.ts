/**
 * Client authentication at the token and introspection endpoints (RFC 6749 §2.3.1): HTTP Basic
 * (`client_secret_basic`) or `client_id` + `client_secret` in the body (`client_secret_post`), never
 * both. Secrets are compared as SHA-256 digests in constant time; an unknown client costs the same hash
 * and gets the same answer as a wrong secret, so the endpoint does not tell which client ids exist.
 * A fast unsalted hash is enough because no secret can be guessed: generated ones carry 256 random bits,
 * and the plan refuses a `fromEnv` one below 32 characters and an estimated 128 bits
 * (src/plan/secret-strength.ts). A slow KDF here would cost CPU on every token request.
 */
import { createHash } from "node:crypto";
import { matchesSha256 } from "../../core/secrets.ts";
import { header, type OAuthRequest } from "../http/types.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { invalidRequest, OAuthError } from "./errors.ts";
import type { Form } from "./form.ts";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/**
 * What a request presents: a secret by one of the two methods, or (`none`) only a client id in the
 * body, which is all a public client (a spa) has (RFC 6749 §2.1; its code exchange is bound by PKCE).
 */
export type PresentedCredentials =
  | { method: ClientAuthMethod; clientId: string; secret: string }
  | { method: "none"; clientId: string };

export const BASIC_CHALLENGE = 'Basic realm="scopectl", charset="UTF-8"';

/** RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined and base64-encoded. */
function formDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw new OAuthError(
      "invalid_client",
      `the ${what} in the Basic credentials is not form-urlencoded`,
      401,
      BASIC_CHALLENGE,
    );
  }
}

function parseBasic(header: string): { clientId: string; secret: string } {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  const decoded = match?.[1] ? Buffer.from(match[1], "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  if (colon <= 0) {
    throw new OAuthError("invalid_client", "the Basic credentials are malformed", 401, BASIC_CHALLENGE);
  }
  return {
    clientId: formDecode(decoded.slice(0, colon), "client id"),
    secret: formDecode(decoded.slice(colon + 1), "client secret"),
  };
}

/**
 * The credentials the request presents, or undefined when it presents none. A request that mixes the
 * two methods, or names two different client ids, is an invalid_request.
 */
export function presentedCredentials(req: OAuthRequest, form: Form): PresentedCredentials | undefined {
  const authorization = header(req, "authorization");
  const bodyId = form.one("client_id");
  const bodySecret = form.one("client_secret");
  if (authorization !== undefined) {
    if (!/^Basic /i.test(authorization)) {
      throw new OAuthError(
        "invalid_client",
        "client authentication must use the Basic scheme (or client_id and client_secret in the body)",
        401,
        BASIC_CHALLENGE,
      );
    }
    if (bodySecret !== undefined) {
      throw invalidRequest(
        "use one client authentication method: Basic or client_secret in the body, not both",
      );
    }
    const basic = parseBasic(authorization);
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw invalidRequest("client_id in the body differs from the client id of the Basic credentials");
    }
    return { method: "client_secret_basic", ...basic };
  }
  if (bodyId === undefined) return undefined;
  if (bodySecret === undefined) return { method: "none", clientId: bodyId };
  return { method: "client_secret_post", clientId: bodyId, secret: bodySecret };
}

const UNKNOWN_CLIENT_DIGEST = createHash("sha256").update("scopectl: no such client").digest();

/**
 * A public client identified by its id alone: only where the caller allows it (the token endpoint's
 * user grants), and only for an application that has no secret. A confidential client that leaves its
 * secret out is refused as before.
 */
function identifyPublicClient(snapshot: Snapshot, clientId: string, allowPublic: boolean): ClientEntry {
  const client = snapshot.clients.get(clientId);
  if (!allowPublic || !client || client.secretSha256 || client.type !== "spa") {
    throw new OAuthError("invalid_client", `client ${clientId} did not authenticate (no client_secret)`);
  }
  if (client.disabled) throw new OAuthError("invalid_client", `client ${client.clientId} is disabled`);
  return client;
}

/**
 * The authenticated client, or invalid_client. RFC 6749 §5.2: after a failed Basic authentication a 401
 * with the Basic challenge; after a failed client_secret_post the default 400, since a 401 must carry a
 * challenge (RFC 9110 §15.5.2) and one for a scheme the client did not use makes real clients (oauth4webapi)
 * report a challenge instead of the invalid_client error. A request with no credentials at all gets the
 * 401 and the challenge that says how to authenticate.
 */
export function authenticateClient(
  snapshot: Snapshot,
  credentials: PresentedCredentials,
  allowPublic = false,
): ClientEntry {
  if (credentials.method === "none") return identifyPublicClient(snapshot, credentials.clientId, allowPublic);
  const client = snapshot.clients.get(credentials.clientId);
  const expected = client?.secretSha256 ?? UNKNOWN_CLIENT_DIGEST;
  // An unknown client costs the same hash and comparison as a known one.
  const matches = matchesSha256(credentials.secret, expected);
  const basic = credentials.method === "client_secret_basic";
  const refuse = (description: string) =>
    new OAuthError("invalid_client", description, basic ? 401 : 400, basic ? BASIC_CHALLENGE : undefined);
  if (!client?.secretSha256 || !matches) throw refuse("client authentication failed");
  if (client.disabled) throw refuse(`client ${client.clientId} is disabled`);
  return client;
}
