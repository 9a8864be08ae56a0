/**
 * The OAuth 2.0 security scheme `scopectl openapi annotate` writes into a spec, and the security
 * requirement each operation gets (docs/openapi.md#annotating-a-spec-for-other-validators): the
 * scheme names the scopectl server's endpoints and lists the scopes the import generates, so a
 * validator that reads `security` (express-openapi-validator, a gateway) enforces them unchanged.
 */
import type { SpecKind } from "./schema.ts";

/** What every scheme name starts with: `scopectl_<api>`, so a reader sees whose scheme it is. */
export const SCHEME_PREFIX = "scopectl_";
/**
 * Swagger 2.0's second scheme (see swaggerSchemes): its flow's own name, so a reader sees which is which.
 * The first keeps the plain name, as OpenAPI 3.x's one scheme does.
 */
export const SWAGGER_APPLICATION_SUFFIX = "_application";

/**
 * The server's endpoints, as its discovery document lists them (src/server/routes/discovery.ts; a test
 * keeps the two in step). The issuer is their base: `<issuer>/oauth2/token`.
 */
export function tokenEndpoint(server: string): string {
  return `${server}/oauth2/token`;
}
export function authorizationEndpoint(server: string): string {
  return `${server}/oauth2/authorize`;
}

export interface SchemeTarget {
  /** The Api's name (a manifest name: `[a-z0-9-]`, so `scopectl_<api>` is a valid component name). */
  api: string;
  /** The server's base URL (its issuer), without a trailing `/`. */
  server: string;
}

/** Scope name → description, each scope once, in spec order. */
export type ScopesMap = Record<string, string>;

/** The scheme names a spec of `kind` gets, the one every operation's requirement names first. */
export function schemeNames(kind: SpecKind, api: string): string[] {
  const name = `${SCHEME_PREFIX}${api}`;
  return kind === "swagger-2.0" ? [name, `${name}${SWAGGER_APPLICATION_SUFFIX}`] : [name];
}

function description(target: SchemeTarget): string {
  return `Access tokens from the scopectl server ${target.server} for the Api "${target.api}": each operation needs the one scope generated from it, {method}:{normalized_path}.`;
}

/**
 * OpenAPI 3.x: one scheme, two flows. `clientCredentials` for machine clients, `authorizationCode` for
 * users signing in (the server requires PKCE; OpenAPI has no field to say so). Both flows issue the same
 * access tokens, so both list every scope.
 */
function openApiSchemes(target: SchemeTarget, scopes: ScopesMap): Record<string, unknown> {
  const [name] = schemeNames("openapi-3.0", target.api) as [string];
  return {
    [name]: {
      type: "oauth2",
      description: description(target),
      flows: {
        clientCredentials: { tokenUrl: tokenEndpoint(target.server), scopes: { ...scopes } },
        authorizationCode: {
          authorizationUrl: authorizationEndpoint(target.server),
          tokenUrl: tokenEndpoint(target.server),
          scopes: { ...scopes },
        },
      },
    },
  };
}

/**
 * Swagger 2.0 allows one `flow` per scheme, so the two flows are two schemes, `accessCode` (users) and
 * `application` (machine clients), and each operation lists both requirements as alternatives: either
 * kind of token with the scope gets in. Keeping only one flow would hide half of how tokens are obtained.
 */
function swaggerSchemes(target: SchemeTarget, scopes: ScopesMap): Record<string, unknown> {
  const [code, application] = schemeNames("swagger-2.0", target.api) as [string, string];
  return {
    [code]: {
      type: "oauth2",
      description: description(target),
      flow: "accessCode",
      authorizationUrl: authorizationEndpoint(target.server),
      tokenUrl: tokenEndpoint(target.server),
      scopes: { ...scopes },
    },
    [application]: {
      type: "oauth2",
      description: description(target),
      flow: "application",
      tokenUrl: tokenEndpoint(target.server),
      scopes: { ...scopes },
    },
  };
}

/** The schemes to write, by name: into `components.securitySchemes` (3.x) or `securityDefinitions` (2.0). */
export function securitySchemes(
  kind: SpecKind,
  target: SchemeTarget,
  scopes: ScopesMap,
): Record<string, unknown> {
  return kind === "swagger-2.0" ? swaggerSchemes(target, scopes) : openApiSchemes(target, scopes);
}

/** Where the schemes go in a spec of `kind`. */
export function schemesLocation(kind: SpecKind): readonly string[] {
  return kind === "swagger-2.0" ? ["securityDefinitions"] : ["components", "securitySchemes"];
}

/** An operation's `security`: its one scope, under each scheme (alternatives, for Swagger 2.0's two). */
export function securityRequirement(
  kind: SpecKind,
  api: string,
  scope: string,
): Array<Record<string, string[]>> {
  return schemeNames(kind, api).map((name) => ({ [name]: [scope] }));
}
