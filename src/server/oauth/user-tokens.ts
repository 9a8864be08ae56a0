/**
 * The token response of the two user grants (authorization_code and refresh_token): an access token
 * with what the sign-in granted that the user still holds, an ID token when `openid` was granted, and a
 * new refresh token when `offline_access` was (rotation: every refresh spends the old token and returns a
 * new one).
 */
import { sha256Hex } from "../../core/secrets.ts";
import type { GrantedAccess, GrantRecord, RefreshTokenRecord } from "../../store/sign-in.ts";
import type { Store } from "../../store/store.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { issueAccessToken } from "./access-token.ts";
import { OAuthError } from "./errors.ts";
import { issueIdToken } from "./id-token.ts";
import { newRefreshToken } from "./opaque-tokens.ts";
import { userTokenGrant } from "./user-grant.ts";

/** A refresh token lives this long from its issue; each rotation starts a new period. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export interface TokenResponseBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/** A fresh refresh token and the record the store keeps of it (its digest, never the token). */
export function mintRefreshToken(nowSeconds: number): {
  token: string;
  record: Omit<RefreshTokenRecord, "grantId">;
} {
  const token = newRefreshToken();
  return {
    token,
    record: {
      tokenSha256: sha256Hex(token),
      createdAt: new Date(nowSeconds * 1000).toISOString(),
      expiresAt: new Date((nowSeconds + REFRESH_TOKEN_LIFETIME_SECONDS) * 1000).toISOString(),
    },
  };
}

/**
 * The user of a grant, if they may still get tokens. A user removed from the manifests or disabled
 * since the sign-in ends the grant: it is revoked, and its access tokens stop introspecting as active.
 */
export async function liveUser(store: Store, snapshot: Snapshot, grant: GrantRecord, nowIso: string) {
  const user = snapshot.users.get(grant.userId);
  if (user && !user.disabled) return user;
  await store.revokeGrant(grant.id, user ? "user disabled" : "user removed", nowIso);
  throw new OAuthError(
    "invalid_grant",
    `user ${grant.userId} can no longer sign in (${user ? "disabled" : "removed"})`,
  );
}

export interface UserTokensInput {
  client: ClientEntry;
  grant: GrantRecord;
  /** The grant's access, as the request narrowed it (narrowGrant). */
  access: GrantedAccess;
  /** The nonce of the code exchange's ID token. */
  nonce?: string | undefined;
  /** The refresh token that replaced the spent one (refresh); absent: mint and store one when offline. */
  refreshToken?: string;
}

export async function issueUserTokens(
  store: Store,
  snapshot: Snapshot,
  input: UserTokensInput,
  nowSeconds: number,
): Promise<TokenResponseBody> {
  const { client, grant } = input;
  const nowIso = new Date(nowSeconds * 1000).toISOString();
  const user = await liveUser(store, snapshot, grant, nowIso);
  const granted = userTokenGrant(snapshot, {
    client,
    userId: grant.userId,
    user,
    access: input.access,
    sessionId: grant.id,
  });
  const access = await issueAccessToken(snapshot, granted, nowSeconds);
  const body: TokenResponseBody = {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    scope: granted.scopes.join(" "),
  };
  // A refresh always returns the token that replaced the spent one, even when its `scope` left out
  // offline_access: the grant is unchanged, and the client would otherwise lose it.
  if (input.refreshToken !== undefined) {
    body.refresh_token = input.refreshToken;
  } else if (granted.offline) {
    const minted = mintRefreshToken(nowSeconds);
    await store.addRefreshToken({ ...minted.record, grantId: grant.id });
    body.refresh_token = minted.token;
  }
  if (granted.openid) {
    body.id_token = await issueIdToken(
      snapshot,
      {
        userId: grant.userId,
        user,
        clientId: client.clientId,
        scopes: granted.openIdScopes,
        authTime: grant.authTime,
        nonce: input.nonce,
        sessionId: grant.id,
        lifetimeSeconds: client.lifetimeSeconds,
      },
      nowSeconds,
    );
  }
  return body;
}
