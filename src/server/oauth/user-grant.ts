/**
 * What a user sign-in grants and what its tokens carry. At the login, the grant: for the audiences the
 * client asked for and is authorized for, the user's effective scopes (roles plus additional scopes)
 * within the scopes the application has enabled at that Api, narrowed by the requested API scopes when
 * there are any; OpenID Connect scopes (`openid`, `profile`, `email`, `offline_access`) as asked. The
 * store keeps that grant, and it is the ceiling of every later token (RFC 6749 §6): a code exchange or a
 * refresh may narrow it (fewer scopes, fewer audiences), and each token is the grant intersected with the
 * current snapshot, so a role removed or a scope disabled since shows at the next refresh, while nothing
 * added since ever does. Pure: the snapshot and the grant in, a grant or a token out.
 */
import { effectiveScopes } from "../../model/effective.ts";
import type { UserProps } from "../../model/resources.ts";
import type { GrantedAccess, GrantedAudience } from "../../store/sign-in.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import type { AccessTokenGrant } from "./access-token.ts";
import { refuseAmbiguousScopes } from "./ambiguous-scopes.ts";
import { checkAudiences } from "./audiences.ts";
import { invalidRequest, OAuthError } from "./errors.ts";

/** `offline` is Kinde's name for `offline_access`; both ask for a refresh token. */
export const OPENID_SCOPES: ReadonlySet<string> = new Set([
  "openid",
  "profile",
  "email",
  "offline_access",
  "offline",
]);
/** Application types that act for users (authorization code + PKCE). */
export const USER_CLIENT_TYPES: ReadonlySet<string> = new Set(["regular", "spa"]);

export interface UserGrantRequest {
  /** Scopes as asked for, OpenID and API scopes mixed (RFC 6749 §3.3). */
  scopes: readonly string[];
  /** Audiences as asked for; empty: the client's default. */
  audiences: readonly string[];
}

export interface UserTokenGrant extends AccessTokenGrant {
  /** The OpenID Connect scopes granted (in request order). */
  openIdScopes: readonly string[];
  /** The API scopes granted: the token's `permissions`. */
  apiScopes: readonly string[];
  offline: boolean;
  openid: boolean;
}

/** unauthorized_client unless the client acts for users (regular or spa); `what` says what it may not do. */
export function requireUserClient(client: ClientEntry, what: string): void {
  if (!USER_CLIENT_TYPES.has(client.type)) {
    throw new OAuthError(
      "unauthorized_client",
      `client ${client.clientId} is an ${client.type} application; only regular and spa applications ${what}`,
    );
  }
}

/** The audience a token gets when the client asked for none and only signs the user in (`openid`). */
export const userinfoAudience = (snapshot: Snapshot): string => `${snapshot.issuer}/oauth2/userinfo`;

/**
 * The audiences of a request, checked: each known and authorized; none asked: the client's default. And
 * together fit for one token (ambiguous-scopes.ts): no API scope that would be in it may be defined by two
 * of their Apis. With API scopes asked, those; with none, every scope the client has enabled there (what
 * the user holds is known only at the login, and the answer should not depend on who signs in).
 */
export function userAudiences(snapshot: Snapshot, client: ClientEntry, request: UserGrantRequest): string[] {
  if (request.audiences.length === 0) {
    const authorized = [...client.authorizations.keys()];
    if (authorized.length === 1) return authorized;
    if (request.scopes.includes("openid")) return [userinfoAudience(snapshot)];
    throw invalidRequest(
      authorized.length === 0
        ? `client ${client.clientId} is not authorized for any Api; ask for openid to sign the user in only`
        : `audience is required: client ${client.clientId} is authorized for ${authorized.length} Apis (${authorized.join(", ")})`,
    );
  }
  const audiences = checkAudiences(snapshot, client, request.audiences);
  const asked = request.scopes.filter((scope) => !OPENID_SCOPES.has(scope));
  const implied = asked.length === 0;
  const enabled = audiences.flatMap((audience) => client.authorizations.get(audience)?.scopes ?? []);
  refuseAmbiguousScopes(snapshot, audiences, implied ? enabled : asked, implied);
  return audiences;
}

/** Refuses API scopes that no requested Api defines (a typo should not silently grant less). */
export function checkRequestedScopes(
  snapshot: Snapshot,
  audiences: readonly string[],
  scopes: readonly string[],
) {
  const apis = audiences.map((audience) => snapshot.apisByAudience.get(audience));
  const unknown = scopes.filter(
    (scope) => !OPENID_SCOPES.has(scope) && !apis.some((api) => api?.scopeNames.has(scope)),
  );
  if (unknown.length > 0) {
    throw new OAuthError(
      "invalid_scope",
      `scope${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not defined by the requested audience${audiences.length === 1 ? "" : "s"} ${audiences.join(", ")}`,
    );
  }
}

export interface UserTokenInput {
  client: ClientEntry;
  userId: string;
  user: UserProps;
  /** What the token may carry at most: the grant's access, narrowed by the request (narrowGrant). */
  access: GrantedAccess;
  /** The grant id, carried as `sid` so that revoking the grant revokes its access tokens. */
  sessionId: string;
}

/** The grant's audiences, checked against the current snapshot (an Api or authorization removed since). */
function currentAudiences(snapshot: Snapshot, client: ClientEntry, access: GrantedAccess): string[] {
  const audiences = access.audiences.map((granted) => granted.audience);
  const userinfo = userinfoAudience(snapshot);
  checkAudiences(
    snapshot,
    client,
    audiences.filter((audience) => audience !== userinfo),
  );
  return audiences;
}

/**
 * The API scopes of `access` that hold now, per audience: granted there, still enabled for the client at
 * that Api, and still among the user's effective scopes. In the order of the user's effective scopes.
 */
function scopesNow(
  snapshot: Snapshot,
  client: ClientEntry,
  user: UserProps,
  access: GrantedAccess,
): GrantedAudience[] {
  const byApi = new Map<string, { allowed: Set<string>; granted: GrantedAudience }>();
  const result: GrantedAudience[] = access.audiences.map(({ audience, scopes }) => {
    const granted: GrantedAudience = { audience, scopes: [] };
    const authorization = client.authorizations.get(audience);
    if (authorization) {
      const ceiling = new Set(scopes);
      const allowed = new Set([...authorization.scopeSet].filter((scope) => ceiling.has(scope)));
      byApi.set(authorization.api, { allowed, granted });
    }
    return granted;
  });
  for (const { api, scope } of effectiveScopes(user, snapshot.roles)) {
    const at = byApi.get(api);
    if (at?.allowed.has(scope) && !at.granted.scopes.includes(scope)) at.granted.scopes.push(scope);
  }
  return result;
}

/**
 * What a sign-in grants, computed once at the login and stored with the grant. No API scope asked means
 * every scope the user holds there now (docs/architecture.md#rules-from-the-product), made explicit; the grant never means "all" again.
 */
export function grantAtSignIn(
  snapshot: Snapshot,
  input: { client: ClientEntry; user: UserProps; request: UserGrantRequest },
): GrantedAccess {
  const { client, user, request } = input;
  requireUserClient(client, "sign users in");
  const audiences = userAudiences(snapshot, client, request);
  checkRequestedScopes(snapshot, audiences, request.scopes);
  const askedApiScopes = request.scopes.filter((scope) => !OPENID_SCOPES.has(scope));
  const asked: GrantedAccess = {
    openIdScopes: request.scopes.filter((scope) => OPENID_SCOPES.has(scope)),
    audiences: audiences.map((audience) => {
      const api = snapshot.apisByAudience.get(audience);
      const defined = api ? api.scopes.map((scope) => scope.name) : [];
      return {
        audience,
        scopes: askedApiScopes.length > 0 ? defined.filter((s) => askedApiScopes.includes(s)) : defined,
      };
    }),
  };
  return { openIdScopes: asked.openIdScopes, audiences: scopesNow(snapshot, client, user, asked) };
}

/** What a token request asks of a grant: each list empty means all of the grant's. */
export interface GrantNarrowing {
  /** `scope` at a refresh (RFC 6749 §6). */
  scopes: readonly string[];
  /** `audience` and `resource` at a code exchange or a refresh (RFC 8707 §2.2). */
  audiences: readonly string[];
}

/**
 * RFC 6749 §6 and RFC 8707 §2.2: a request may ask for fewer scopes and fewer audiences than its grant,
 * never for more. Asked scopes are exactly what the token may carry: `scope=openid` is openid alone.
 */
export function narrowGrant(granted: GrantedAccess, asked: GrantNarrowing): GrantedAccess {
  const known = new Set(granted.audiences.map((a) => a.audience));
  const outside = asked.audiences.filter((audience) => !known.has(audience));
  if (outside.length > 0) {
    throw new OAuthError(
      "invalid_target",
      `the sign-in was not for the audience${outside.length === 1 ? "" : "s"} ${outside.join(", ")}`,
    );
  }
  const audiences =
    asked.audiences.length === 0
      ? granted.audiences
      : granted.audiences.filter((a) => asked.audiences.includes(a.audience));
  if (asked.scopes.length === 0) return { openIdScopes: granted.openIdScopes, audiences };
  const grantedApiScopes = new Set(audiences.flatMap((a) => a.scopes));
  const beyond = asked.scopes.filter((scope) =>
    OPENID_SCOPES.has(scope) ? !granted.openIdScopes.includes(scope) : !grantedApiScopes.has(scope),
  );
  if (beyond.length > 0) {
    throw new OAuthError(
      "invalid_scope",
      `a refresh cannot add scopes the sign-in did not grant: ${beyond.join(", ")}`,
    );
  }
  return {
    openIdScopes: granted.openIdScopes.filter((scope) => asked.scopes.includes(scope)),
    audiences: audiences.map(({ audience, scopes }) => ({
      audience,
      scopes: scopes.filter((scope) => asked.scopes.includes(scope)),
    })),
  };
}

/** The access token of a grant now: `access` within the current snapshot (see scopesNow). */
export function userTokenGrant(snapshot: Snapshot, input: UserTokenInput): UserTokenGrant {
  const { client, userId, user, access } = input;
  requireUserClient(client, "sign users in");
  const audiences = currentAudiences(snapshot, client, access);
  const apiScopes = [...new Set(scopesNow(snapshot, client, user, access).flatMap((a) => a.scopes))];
  // Checked against the Apis as they are now: one may have defined a granted name since the sign-in.
  refuseAmbiguousScopes(snapshot, audiences, apiScopes, false);
  const { openIdScopes } = access;
  return {
    subject: userId,
    clientId: client.clientId,
    audiences,
    scopes: [...openIdScopes, ...apiScopes],
    permissions: apiScopes,
    sessionId: input.sessionId,
    lifetimeSeconds: client.lifetimeSeconds,
    includePermissions: client.includePermissions,
    openIdScopes,
    apiScopes,
    offline: openIdScopes.includes("offline_access") || openIdScopes.includes("offline"),
    openid: openIdScopes.includes("openid"),
  };
}
