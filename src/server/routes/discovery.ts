/**
 * Discovery: RFC 8414 authorization server metadata, the same document at the OpenID Connect path
 * (with the fields OpenID Connect Discovery requires), and the JWKS. Public and cacheable.
 */
import type { Request, Response } from "express";
import type { ServerContext } from "../context.ts";
import { GRANT_TYPES_SUPPORTED } from "../oauth/grants/index.ts";
import { CODE_CHALLENGE_METHODS } from "../oauth/pkce.ts";
import { sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";
import type { Snapshot } from "../snapshot.ts";

/**
 * RFC 8414 lets a server leave scopes out of scopes_supported: API scopes are many (one per OpenAPI
 * operation) and belong to their Api, so only the OpenID Connect ones are listed. `offline` (Kinde's
 * spelling of offline_access) is accepted too, but not advertised.
 */
const OPENID_SCOPES_ADVERTISED = ["openid", "profile", "email", "offline_access"];

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];
/** `none`: a public client (spa) at the token endpoint, bound by PKCE. */
const TOKEN_AUTH_METHODS = [...CLIENT_AUTH_METHODS, "none"];
/** Clients and resource servers may cache these documents this long (seconds). */
export const METADATA_MAX_AGE = 300;

export function authorizationServerMetadata(snapshot: Snapshot): Record<string, unknown> {
  const { issuer } = snapshot;
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    // RFC 9207: the authorization response names its issuer, against mix-up attacks.
    authorization_response_iss_parameter_supported: true,
    scopes_supported: OPENID_SCOPES_ADVERTISED,
    token_endpoint_auth_methods_supported: TOKEN_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    access_token_signing_alg_values_supported: [snapshot.keys.signer.alg],
    service_documentation: "https://github.com/scopectl/scopectl#readme",
  };
}

function cacheable(res: Response): void {
  res.set("Cache-Control", `public, max-age=${METADATA_MAX_AGE}`);
}

function withSnapshot(ctx: ServerContext, body: (snapshot: Snapshot) => unknown) {
  return (_req: Request, res: Response): void => {
    const snapshot = ctx.snapshot();
    if (!snapshot) {
      sendOAuthError(res, temporarilyUnavailable());
      return;
    }
    cacheable(res);
    res.json(body(snapshot));
  };
}

export const oauthMetadataHandler = (ctx: ServerContext) => withSnapshot(ctx, authorizationServerMetadata);

export const openIdConfigurationHandler = (ctx: ServerContext) =>
  withSnapshot(ctx, (snapshot) => ({
    ...authorizationServerMetadata(snapshot),
    userinfo_endpoint: `${snapshot.issuer}/oauth2/userinfo`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [snapshot.keys.signer.alg],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "azp",
      "sid",
      "email",
      "name",
    ],
    prompt_values_supported: ["login"],
  }));

export const jwksHandler = (ctx: ServerContext) => withSnapshot(ctx, (snapshot) => snapshot.keys.jwks);
