/**
 * Discovery: RFC 8414 authorization server metadata, the same document at the OpenID Connect path
 * (with the fields OpenID Connect Discovery requires), and the JWKS. Public and cacheable.
 */
import type { Request, Response } from "express";
import type { ServerContext } from "../context.ts";
import { sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";
import type { Snapshot } from "../snapshot.ts";
import { GRANT_TYPES_SUPPORTED } from "./token.ts";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];
/** Clients and resource servers may cache these documents this long (seconds). */
export const METADATA_MAX_AGE = 300;

export function authorizationServerMetadata(snapshot: Snapshot): Record<string, unknown> {
  const { issuer } = snapshot;
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    // No authorization endpoint yet: only the client credentials grant, which has no response type.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
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
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [snapshot.keys.signer.alg],
  }));

export const jwksHandler = (ctx: ServerContext) => withSnapshot(ctx, (snapshot) => snapshot.keys.jwks);
