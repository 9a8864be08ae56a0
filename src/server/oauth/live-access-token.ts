/**
 * The one check of an access token presented to this server, wherever one is: introspection, userinfo
 * and the management views all go through liveAccessToken, so no route can honour a token another one
 * refuses. A token is honoured while it verifies (signed by a published key, `iss`, `typ: at+jwt`, `exp`
 * and not expired, and for `audience` when given), its client still exists and is enabled, for a user
 * token (one that carries its grant as `sid`) its sign-in is live (the grant is the client's and not
 * revoked, its user neither removed nor disabled), and its client is still authorized for one of the
 * audiences checked.
 *
 * And it is honoured for what holds now, not for what held when it was signed: its live scopes are
 * those of its `scope` that the client still has enabled at an audience checked, and for a user token
 * that the sign-in granted there and the user still holds (roles and additional scopes). Each audience
 * counts only its own Api's scopes: a scope name is unique only within its Api, so `read:users` enabled
 * at one audience says nothing at another.
 */
import type { JWTPayload } from "jose";
import { effectiveScopes } from "../../model/effective.ts";
import type { UserProps } from "../../model/resources.ts";
import type { GrantRecord } from "../../store/sign-in.ts";
import type { Store } from "../../store/store.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { verifyAccessToken } from "./access-token.ts";
import { OPENID_SCOPES, userinfoAudience } from "./user-grant.ts";

export interface LiveAccessToken {
  payload: JWTPayload;
  /** The token's client, as the current snapshot has it. */
  client: ClientEntry;
  /** The audiences checked (`audience`, else the token's `aud`) at which the token still holds. */
  audiences: string[];
  /** Its `scope` that holds now at those audiences, in the token's order (see above). */
  scopes: string[];
}

interface LiveSignIn {
  user: UserProps;
  grant: GrantRecord;
}

/** The user and grant of a user token while its sign-in is live; null: not a user token. */
async function liveSignIn(
  store: Store,
  snapshot: Snapshot,
  payload: JWTPayload,
): Promise<LiveSignIn | null | undefined> {
  if (payload.sid === undefined) return null; // not a user token (client credentials)
  if (typeof payload.sid !== "string") return undefined;
  const user = payload.sub === undefined ? undefined : snapshot.users.get(payload.sub);
  if (!user || user.disabled) return undefined;
  const grant = await store.grant(payload.sid);
  if (grant === undefined || grant.revokedAt !== undefined) return undefined;
  // A grant belongs to one user at one client (node-oidc-provider checks the client too).
  if (grant.userId !== payload.sub || grant.clientId !== payload.client_id) return undefined;
  return { user, grant };
}

const audiencesOf = (payload: JWTPayload): string[] =>
  typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);

/** The API scopes a user token may still use at one Api: granted at its audience and held now. */
function heldAt(snapshot: Snapshot, signIn: LiveSignIn, audience: string, api: string): Set<string> {
  const granted = new Set(signIn.grant.granted.audiences.find((a) => a.audience === audience)?.scopes);
  const held = new Set<string>();
  for (const { api: at, scope } of effectiveScopes(signIn.user, snapshot.roles)) {
    if (at === api && granted.has(scope)) held.add(scope);
  }
  return held;
}

/** The token's payload, client and live scopes when it is honoured now; undefined when not (callers tell no one why). */
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
  const signIn = await liveSignIn(store, snapshot, payload);
  if (signIn === undefined) return undefined;
  const tokenScopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];

  const audiences: string[] = [];
  const apiScopes = new Set<string>();
  for (const audience of options.audience !== undefined ? [options.audience] : audiencesOf(payload)) {
    // A sign-in's token for the userinfo endpoint: no Api there, no API scope.
    if (signIn && audience === userinfoAudience(snapshot)) {
      audiences.push(audience);
      continue;
    }
    const authorization = client.authorizations.get(audience);
    if (!authorization) continue; // the client is no longer authorized there
    audiences.push(audience);
    const held = signIn ? heldAt(snapshot, signIn, audience, authorization.api) : undefined;
    for (const scope of tokenScopes) {
      if (authorization.scopeSet.has(scope) && (held === undefined || held.has(scope))) apiScopes.add(scope);
    }
  }
  if (audiences.length === 0) return undefined;
  // OpenID Connect scopes belong to the sign-in, not to an Api: they hold while it is live.
  const openId = new Set(signIn ? signIn.grant.granted.openIdScopes.filter((s) => OPENID_SCOPES.has(s)) : []);
  const scopes = tokenScopes.filter((scope) => apiScopes.has(scope) || openId.has(scope));
  return { payload, client, audiences, scopes };
}
