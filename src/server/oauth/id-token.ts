/**
 * OpenID Connect ID tokens (Core §2): for the client (`aud` = its client id), signed with the same key
 * as access tokens but typed `JWT`, so a resource server that checks `typ: at+jwt` (RFC 9068 §4) never
 * takes one for an access token. Profile claims follow the scopes granted (Core §5.4): `email` with
 * `email`, `name` with `profile`.
 */
import { SignJWT } from "jose";
import type { UserProps } from "../../model/resources.ts";
import type { Snapshot } from "../snapshot.ts";

export interface IdTokenInput {
  userId: string;
  user: UserProps;
  clientId: string;
  scopes: readonly string[];
  authTime: number;
  /** Only in the ID token of the code exchange (Core §3.1.3.6); a refreshed one has none (§12.2). */
  nonce?: string | undefined;
  sessionId: string;
  lifetimeSeconds: number;
}

/** The claims of a user that `scopes` release, shared by ID tokens and /oauth2/userinfo. */
export function profileClaims(user: UserProps, scopes: readonly string[]): Record<string, unknown> {
  return {
    ...(scopes.includes("email") ? { email: user.email } : {}),
    ...(scopes.includes("profile") ? { name: user.displayName } : {}),
  };
}

export async function issueIdToken(
  snapshot: Snapshot,
  input: IdTokenInput,
  nowSeconds: number,
): Promise<string> {
  const { signer } = snapshot.keys;
  return new SignJWT({
    ...profileClaims(input.user, input.scopes),
    auth_time: input.authTime,
    azp: input.clientId,
    sid: input.sessionId,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
  })
    .setProtectedHeader({ alg: signer.alg, typ: "JWT", kid: signer.kid })
    .setIssuer(snapshot.issuer)
    .setSubject(input.userId)
    .setAudience(input.clientId)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + input.lifetimeSeconds)
    .sign(signer.key);
}
