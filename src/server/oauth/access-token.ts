/**
 * RFC 9068 access tokens: a JWT with header `typ: at+jwt` and the signing key's `kid`, and the claims
 * of docs/tokens.md (`iss`, `sub`, `aud` as an array, `exp`, `iat`, `jti`, `client_id`, `scope`; `scp` and
 * `azp` for Kinde-style consumers; `permissions` when the application asks for it).
 */
import { randomUUID } from "node:crypto";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Snapshot } from "../snapshot.ts";

export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenGrant {
  subject: string;
  clientId: string;
  audiences: readonly string[];
  scopes: readonly string[];
  lifetimeSeconds: number;
  includePermissions: boolean;
  /** The `permissions` claim when the app asks for it; default: `scopes` (client credentials). */
  permissions?: readonly string[];
  /** A user sign-in's grant id (`sid`): revoking the grant makes its tokens inactive. */
  sessionId?: string;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  jti: string;
}

export async function issueAccessToken(
  snapshot: Snapshot,
  grant: AccessTokenGrant,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<IssuedAccessToken> {
  const { signer } = snapshot.keys;
  const jti = randomUUID();
  const scopes = [...grant.scopes];
  const claims: Record<string, unknown> = {
    client_id: grant.clientId,
    azp: grant.clientId,
    scope: scopes.join(" "),
    scp: scopes,
  };
  if (grant.includePermissions) claims.permissions = [...(grant.permissions ?? scopes)];
  if (grant.sessionId !== undefined) claims.sid = grant.sessionId;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, typ: ACCESS_TOKEN_TYPE, kid: signer.kid })
    .setIssuer(snapshot.issuer)
    .setSubject(grant.subject)
    .setAudience([...grant.audiences])
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + grant.lifetimeSeconds)
    .setJti(jti)
    .sign(signer.key);
  return { token, expiresIn: grant.lifetimeSeconds, jti };
}

/**
 * An access token of this issuer, verified: signed by a published key, `iss`, `typ: at+jwt`, an `exp`
 * (RFC 9068 §2.2 requires it; jose only checks one that is there, and a token without one would be
 * honoured forever) not passed (and for `audience`, when given). What introspection, userinfo and the
 * management views accept; throws when the token is none of that.
 */
export async function verifyAccessToken(
  snapshot: Snapshot,
  token: string,
  options: { audience?: string; now?: Date } = {},
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, snapshot.keys.verifyKey, {
    issuer: snapshot.issuer,
    typ: ACCESS_TOKEN_TYPE,
    requiredClaims: ["exp"],
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.now !== undefined ? { currentDate: options.now } : {}),
  });
  return payload;
}
