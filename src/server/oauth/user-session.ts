/**
 * Is the sign-in behind a user access token still good? A token carries its grant as `sid`; it stops
 * being honoured when that grant is revoked (a reused code or refresh token) or its user is removed or
 * disabled. Used by introspection and /oauth2/userinfo; the token endpoint checks the same at refresh.
 */
import type { Store } from "../../store/types.ts";
import type { Snapshot } from "../snapshot.ts";

export async function userSessionLive(
  store: Store,
  snapshot: Snapshot,
  payload: { sub?: string | undefined; sid?: unknown },
): Promise<boolean> {
  if (typeof payload.sid !== "string") return true; // not a user token (client credentials)
  const user = payload.sub === undefined ? undefined : snapshot.users.get(payload.sub);
  if (!user || user.disabled) return false;
  const grant = await store.grant(payload.sid);
  return grant !== undefined && grant.revokedAt === undefined && grant.userId === payload.sub;
}
