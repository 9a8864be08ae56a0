/**
 * The client credentials grant (RFC 6749 §4.4) with audiences (docs/tokens.md): which audiences and scopes a
 * token request gets, or the RFC 6749 / RFC 8707 error that says why not, and the token for them, reused
 * while it is fresh (token-reuse.ts).
 */
import type { ClientEntry, Snapshot } from "../../snapshot.ts";
import { type AccessTokenGrant, issueAccessToken } from "../access-token.ts";
import { refuseAmbiguousScopes } from "../ambiguous-scopes.ts";
import { checkAudiences, requestedTargets } from "../audiences.ts";
import { invalidRequest, OAuthError } from "../errors.ts";
import { spaceList } from "../form.ts";
import { type ReusableToken, TokenReuse } from "../token-reuse.ts";
import type { TokenGrant } from "./types.ts";

/** Only machine-to-machine applications may use the grant; regular and spa clients act for users. */
export const CLIENT_CREDENTIALS_TYPES: ReadonlySet<string> = new Set(["m2m"]);

interface ClientCredentialsRequest {
  /** `audience` split on spaces and every RFC 8707 `resource`, in request order. */
  audiences: readonly string[];
  /** Requested scopes; empty: every enabled scope of the audiences. */
  scopes: readonly string[];
}

function targets(snapshot: Snapshot, client: ClientEntry, requested: readonly string[]): string[] {
  if (requested.length === 0) {
    const authorized = [...client.authorizations.keys()];
    if (authorized.length === 1) return authorized;
    if (authorized.length === 0) {
      throw new OAuthError("invalid_target", `client ${client.clientId} is not authorized for any Api`);
    }
    throw invalidRequest(
      `audience is required: client ${client.clientId} is authorized for ${authorized.length} Apis (${authorized.join(", ")})`,
    );
  }
  return checkAudiences(snapshot, client, requested);
}

/** Pure: the snapshot in, the audiences and scopes of the token out. */
function clientCredentialsAccess(
  snapshot: Snapshot,
  client: ClientEntry,
  request: ClientCredentialsRequest,
): AccessTokenGrant {
  if (!CLIENT_CREDENTIALS_TYPES.has(client.type)) {
    throw new OAuthError(
      "unauthorized_client",
      `client ${client.clientId} is a ${client.type} application; only m2m applications may use the client_credentials grant`,
    );
  }
  const audiences = targets(snapshot, client, request.audiences);
  const authorizations = audiences.map((audience) => client.authorizations.get(audience));
  const granted = new Set<string>();
  if (request.scopes.length === 0) {
    for (const authorization of authorizations)
      for (const scope of authorization?.scopes ?? []) granted.add(scope);
  } else {
    const refused: string[] = [];
    for (const scope of request.scopes) {
      if (authorizations.some((a) => a?.scopeSet.has(scope))) granted.add(scope);
      else refused.push(scope);
    }
    if (refused.length > 0) {
      throw new OAuthError(
        "invalid_scope",
        `scope${refused.length === 1 ? "" : "s"} ${refused.join(", ")} ${refused.length === 1 ? "is" : "are"} not enabled for client ${client.clientId} at ${audiences.join(", ")}`,
      );
    }
  }
  // A name two of the audiences' Apis define cannot be told apart in the token's one scope list.
  refuseAmbiguousScopes(snapshot, audiences, granted, request.scopes.length === 0);
  return {
    subject: client.clientId,
    clientId: client.clientId,
    audiences,
    scopes: [...granted],
    lifetimeSeconds: client.lifetimeSeconds,
    includePermissions: client.includePermissions,
  };
}

export const clientCredentials: TokenGrant = {
  publicClients: false,
  async handle(ctx, { snapshot, client, form, now }) {
    const grant = clientCredentialsAccess(snapshot, client, {
      audiences: requestedTargets(form.one("audience"), form.all("resource")),
      scopes: spaceList(form.one("scope")),
    });
    const issue = async (): Promise<ReusableToken> => ({
      issued: await issueAccessToken(snapshot, grant, now),
      issuedAt: now,
      expiresAt: now + grant.lifetimeSeconds,
    });
    const reuse = ctx.tokenReuse(snapshot);
    const token = reuse
      ? await reuse.get(
          TokenReuse.key(client.clientId, grant.audiences, grant.scopes),
          grant.lifetimeSeconds,
          now,
          issue,
        )
      : await issue();
    return {
      access_token: token.issued.token,
      token_type: "Bearer",
      expires_in: token.expiresAt - now,
      scope: grant.scopes.join(" "),
    };
  },
};
