/**
 * What a user access token carries (DESIGN §2, "Users"): for the audiences the client asked for and is
 * authorized for, the user's effective scopes (roles plus additional scopes), within the scopes the
 * application has enabled at that Api, narrowed by the requested API scopes when there are any. OpenID
 * Connect scopes (`openid`, `profile`, `email`, `offline_access`) are granted as asked. Pure: the same
 * rules run when the authorization request is checked, when a code is exchanged and at every refresh,
 * each time against the current snapshot, so that a role or user change shows in the next token.
 */
import { effectiveScopes } from "../../model/effective.ts";
import type { UserProps } from "../../model/resources.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import type { AccessTokenGrant } from "./access-token.ts";
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

/** The audiences of a request, checked: each known and authorized; none asked: the client's default. */
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
  return checkAudiences(snapshot, client, request.audiences);
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
  request: UserGrantRequest;
  /** The grant id, carried as `sid` so that revoking the grant revokes its access tokens. */
  sessionId: string;
}

export function userTokenGrant(snapshot: Snapshot, input: UserTokenInput): UserTokenGrant {
  const { client, userId, user, request } = input;
  requireUserClient(client, "sign users in");
  const audiences = userAudiences(snapshot, client, request);
  checkRequestedScopes(snapshot, audiences, request.scopes);
  const openIdScopes = request.scopes.filter((scope) => OPENID_SCOPES.has(scope));
  const askedApiScopes = new Set(request.scopes.filter((scope) => !OPENID_SCOPES.has(scope)));
  const enabledAt = new Map<string, ReadonlySet<string>>();
  for (const audience of audiences) {
    const authorization = client.authorizations.get(audience);
    if (authorization) enabledAt.set(authorization.api, authorization.scopeSet);
  }
  const apiScopes: string[] = [];
  for (const { api, scope } of effectiveScopes(user, snapshot.roles)) {
    if (!enabledAt.get(api)?.has(scope)) continue;
    if (askedApiScopes.size > 0 && !askedApiScopes.has(scope)) continue;
    if (!apiScopes.includes(scope)) apiScopes.push(scope);
  }
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

/**
 * RFC 6749 §6: a refresh may ask for fewer scopes than the grant, never more. With no API scope in the
 * grant (all of the user's), any API scope of its audiences may be asked for.
 */
export function narrowOnRefresh(
  snapshot: Snapshot,
  original: UserGrantRequest,
  audiences: readonly string[],
  asked: readonly string[],
): UserGrantRequest {
  if (asked.length === 0) return original;
  const grantedApiScopes = original.scopes.filter((scope) => !OPENID_SCOPES.has(scope));
  const beyond = asked.filter((scope) =>
    OPENID_SCOPES.has(scope)
      ? !original.scopes.includes(scope)
      : grantedApiScopes.length > 0 && !grantedApiScopes.includes(scope),
  );
  if (beyond.length > 0) {
    throw new OAuthError(
      "invalid_scope",
      `a refresh cannot add scopes the sign-in did not ask for: ${beyond.join(", ")}`,
    );
  }
  checkRequestedScopes(snapshot, audiences, asked);
  return { scopes: asked, audiences: original.audiences };
}
