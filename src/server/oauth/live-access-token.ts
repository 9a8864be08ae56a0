/**
 * The one check of an access token presented to this server, wherever one is: introspection, userinfo
 * and the management views all go through liveAccessToken, so no route can honour a token another one
 * refuses. A token is honoured while it verifies (signed by a published key, `iss`, `typ: at+jwt`, not
 * expired, and for `audience` when given), its client still exists and is enabled, and, for a user
 * token (one that carries its grant as `sid`), its sign-in is live: the grant is not revoked (a reused
 * code or refresh token) and its user is neither removed nor disabled.
 */
import type { JWTPayload } from "jose";
import type { Store } from "../../store/types.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { verifyAccessToken } from "./access-token.ts";

export interface LiveAccessToken {
  payload: JWTPayload;
  /** The token's client, as the current snapshot has it. */
  client: ClientEntry;
  /** Its space-separated `scope`, as a list. */
  scopes: string[];
}

async function signInLive(store: Store, snapshot: Snapshot, payload: JWTPayload): Promise<boolean> {
  if (payload.sid === undefined) return true; // not a user token (client credentials)
  if (typeof payload.sid !== "string") return false;
  const user = payload.sub === undefined ? undefined : snapshot.users.get(payload.sub);
  if (!user || user.disabled) return false;
  const grant = await store.grant(payload.sid);
  return grant !== undefined && grant.revokedAt === undefined && grant.userId === payload.sub;
}

/** The token's payload and client when it is honoured now; undefined when not (callers tell no one why). */
export async function liveAccessToken(
  store: Store,
  snapshot: Snapshot,
  token: string,
  options: { audience?: string; now?: Date } = {},
): Promise<LiveAccessToken | undefined> {
  let payload: JWTPayload;
  try {
    payload = await verifyAccessToken(snapshot, token, options);
  } catch {
    return undefined;
  }
  const client = typeof payload.client_id === "string" ? snapshot.clients.get(payload.client_id) : undefined;
  // A token of an application that has since been deleted or disabled is no longer honoured.
  if (!client || client.disabled) return undefined;
  if (!(await signInLive(store, snapshot, payload))) return undefined;
  const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
  return { payload, client, scopes };
}
