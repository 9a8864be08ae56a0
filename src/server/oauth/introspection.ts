/**
 * Token introspection (RFC 7662) for access tokens this server issued and for API keys. The caller is
 * an authenticated application; a token is reported active only to its own client or to an application
 * authorized for one of its audiences (a resource server asks about tokens meant for it). It reports
 * the token as it holds now (liveAccessToken): `aud` the audiences its client is still authorized for,
 * `scope` what still holds there. Anything else (expired, unknown, revoked by a reload or with its
 * sign-in, of a client authorized for none of its audiences any more, for another audience) is
 * `{active: false}` and nothing more, so the endpoint tells no one why.
 */
import { API_KEY_PREFIX, matchesSha256 } from "../../core/secrets.ts";
import type { Store } from "../../store/store.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { liveAccessToken } from "./live-access-token.ts";

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });
/** `sck_` + 8 hex: the public lookup part of an API key. */
const API_KEY_LOOKUP_LENGTH = API_KEY_PREFIX.length + 8;

function introspectApiKey(
  snapshot: Snapshot,
  caller: ClientEntry,
  key: string,
  nowMs: number,
): IntrospectionResponse {
  const entry = snapshot.apiKeys.get(key.slice(0, API_KEY_LOOKUP_LENGTH));
  if (!entry) return INACTIVE;
  if (!matchesSha256(key, entry.sha256)) return INACTIVE;
  if (entry.expiresAt !== undefined && entry.expiresAt <= nowMs) return INACTIVE;
  if (!caller.authorizations.has(entry.audience)) return INACTIVE;
  // A key acts for its owner: while the owner is disabled (or gone), the key is not honoured.
  if (entry.owner !== undefined && (snapshot.users.get(entry.owner)?.disabled ?? true)) return INACTIVE;
  return {
    active: true,
    token_type: "api_key",
    api_key: entry.name,
    scope: entry.scopes.join(" "),
    aud: [entry.audience],
    api: entry.api,
    iss: snapshot.issuer,
    ...(entry.owner ? { sub: entry.owner, username: entry.owner } : {}),
    ...(entry.expiresAt !== undefined ? { exp: Math.floor(entry.expiresAt / 1000) } : {}),
  };
}

async function introspectJwt(
  store: Store,
  snapshot: Snapshot,
  caller: ClientEntry,
  token: string,
  nowMs: number,
): Promise<IntrospectionResponse> {
  // Expired, unknown, of a client deleted, disabled or unauthorized since, of a sign-in that ended: inactive.
  const live = await liveAccessToken(store, snapshot, token, { now: new Date(nowMs) });
  if (!live) return INACTIVE;
  const { payload, client, audiences } = live;
  const clientId = client.clientId;
  const forCaller = caller.clientId === clientId || audiences.some((aud) => caller.authorizations.has(aud));
  if (!forCaller) return INACTIVE;
  return {
    active: true,
    token_type: "Bearer",
    scope: live.scopes.join(" "),
    client_id: clientId,
    sub: payload.sub,
    aud: audiences,
    iss: payload.iss,
    exp: payload.exp,
    iat: payload.iat,
    jti: payload.jti,
  };
}

export function introspect(
  store: Store,
  snapshot: Snapshot,
  caller: ClientEntry,
  token: string,
  nowMs = Date.now(),
): Promise<IntrospectionResponse> {
  if (token.startsWith(API_KEY_PREFIX))
    return Promise.resolve(introspectApiKey(snapshot, caller, token, nowMs));
  return introspectJwt(store, snapshot, caller, token, nowMs);
}
