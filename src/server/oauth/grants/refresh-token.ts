/**
 * The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): every use spends the token and
 * returns a new one in the same grant; a spent token presented again means it leaked, so the whole grant
 * (every refresh token and access token of that sign-in) is revoked. The new access token carries what
 * the sign-in granted, narrowed by `scope` and by `resource`/`audience` when given, and only what still
 * holds in the current snapshot: a role removed or a user disabled shows at the next refresh, a role
 * added since never widens the grant.
 */
import { sha256Hex } from "../../../core/secrets.ts";
import type { GrantedAccess, GrantRecord } from "../../../store/sign-in.ts";
import type { ServerContext } from "../../context.ts";
import { requestedTargets } from "../audiences.ts";
import { invalidGrant, invalidRequest } from "../errors.ts";
import { spaceList } from "../form.ts";
import { narrowGrant, requireUserClient, userTokenGrant } from "../user-grant.ts";
import { issueUserTokens, mintRefreshToken, type TokenResponseBody } from "../user-tokens.ts";
import type { GrantRequest, TokenGrant } from "./types.ts";

async function rotateRefreshToken(
  { store }: ServerContext,
  { snapshot, client, form, now: nowSeconds }: GrantRequest,
): Promise<TokenResponseBody> {
  requireUserClient(client, "use refresh tokens");
  const presented = form.one("refresh_token");
  if (presented === undefined) throw invalidRequest("refresh_token is required");
  const next = mintRefreshToken(nowSeconds);
  const asked = {
    scopes: spaceList(form.one("scope")),
    audiences: requestedTargets(form.one("audience"), form.all("resource")),
  };
  let access: GrantedAccess | undefined;
  // Checked before the token is spent: a refresh refused for its scope or audience keeps the sign-in.
  const accept = (grant: GrantRecord) => {
    access = narrowGrant(grant.granted, asked);
    const user = snapshot.users.get(grant.userId);
    // A removed or disabled user is handled after the rotation: the grant is revoked then.
    if (user && !user.disabled) {
      userTokenGrant(snapshot, { client, userId: grant.userId, user, access, sessionId: grant.id });
    }
  };
  const rotation = await store.rotateRefreshToken(
    sha256Hex(presented),
    client.clientId,
    next.record,
    new Date(nowSeconds * 1000).toISOString(),
    accept,
  );
  switch (rotation.status) {
    case "ok":
      break;
    case "reused":
      throw invalidGrant("the refresh token was used before; every token of its sign-in is revoked");
    case "expired":
      throw invalidGrant("the refresh token has expired; sign in again");
    case "revoked":
      throw invalidGrant("the refresh token's sign-in has been revoked; sign in again");
    case "wrong_client":
      throw invalidGrant("the refresh token was issued to another client");
    default:
      throw invalidGrant("the refresh token is not valid");
  }
  return issueUserTokens(
    store,
    snapshot,
    { client, grant: rotation.grant, access: access as GrantedAccess, refreshToken: next.token },
    nowSeconds,
  );
}

/** Public clients may: rotation binds the token to its client, and a replay revokes the sign-in. */
export const refreshToken: TokenGrant = { publicClients: true, handle: rotateRefreshToken };
