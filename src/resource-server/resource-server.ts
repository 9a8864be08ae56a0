/**
 * The one check of a request to a protected API (docs/resource-server.md): which operation it is and so
 * which scope it needs, which credential it presents, whether that credential verifies, and whether it
 * holds the scope. Every adapter (Express, node:http) calls `check` and answers its decision; none has a
 * check of its own.
 */
import { type AccessTokenOptions, accessTokenVerifier } from "./access-tokens.ts";
import { API_KEY_PREFIX, type ApiKeyOptions, apiKeyVerifier } from "./api-keys.ts";
import { bearerChallenge, readAuthorization } from "./bearer.ts";
import {
  AccessRefused,
  insufficientScope,
  invalidRequest,
  invalidToken,
  methodNotAllowed,
  noOperation,
  noToken,
} from "./errors.ts";
import {
  metadataPathsOf,
  metadataUrlOf,
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
} from "./metadata.ts";
import type { Principal } from "./principal.ts";
import type { RouteMatch, RouteTable } from "./route-table.ts";
import { routeTableOfFile, type SpecRoutesOptions } from "./spec-routes.ts";

export interface ResourceServerOptions extends AccessTokenOptions {
  /** Which scope each request needs: the spec's route table (`ResourceServer.fromSpec` builds it). */
  routes?: RouteTable;
  /** API keys, checked by introspection as this API's own m2m client; without it, keys are refused. */
  apiKeys?: ApiKeyOptions;
  /** RFC 9728 `resource`: this API's identifier; default its audience. */
  resource?: string;
  /** RFC 9728 `resource_name`, and the challenge's realm. */
  name?: string;
  /** Scopes the metadata lists besides the spec's (those of `requireScopes` routes). */
  extraScopes?: string[];
  /** The clock, in milliseconds; default Date.now (API key cache windows). */
  now?: () => number;
}

/** A request as every framework has it: method, path (percent-encoded, no query), query and headers. */
export interface ProtectedRequest {
  method: string;
  path: string;
  /** The raw query string without `?`, to refuse a token sent in the URL. */
  query?: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type Decision =
  | { outcome: "allow"; principal: Principal; requiredScopes: string[]; route: RouteMatch | undefined }
  /** Not this check's to decide: a CORS preflight, or (for `unmatched: "pass"`) a request of no operation. */
  | { outcome: "pass"; why: "preflight" | "no-operation" }
  | { outcome: "refuse"; refusal: AccessRefused };

export interface CheckOptions {
  /** The scopes this route needs, all of them, instead of the spec's: for routes outside the spec. */
  requiredScopes?: string[];
  /** A request no operation matches: refused with 404 (default) or passed on. */
  unmatched?: "refuse" | "pass";
}

export interface RefusalResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string; scope?: string };
}

function headerOf(request: ProtectedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function hasTokenInQuery(query: string | undefined): boolean {
  return query !== undefined && query !== "" && new URLSearchParams(query).has("access_token");
}

/** A browser's CORS preflight carries no credentials (Fetch standard): it cannot be asked for a token. */
function isPreflight(request: ProtectedRequest): boolean {
  return (
    request.method.toUpperCase() === "OPTIONS" &&
    headerOf(request, "origin") !== undefined &&
    headerOf(request, "access-control-request-method") !== undefined
  );
}

export class ResourceServer {
  readonly routes: RouteTable | undefined;
  readonly resource: string;
  readonly issuer: string;
  readonly audience: string;
  readonly #verifyToken: (token: string) => Promise<Principal>;
  readonly #verifyKey: ((key: string) => Promise<Principal>) | undefined;
  readonly #metadata: ProtectedResourceMetadata;
  readonly #metadataUrl: string;
  readonly #metadataPaths: ReadonlySet<string>;
  readonly #realm: string | undefined;

  constructor(options: ResourceServerOptions) {
    this.routes = options.routes;
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.resource = options.resource ?? options.audience;
    this.#verifyToken = accessTokenVerifier(options);
    this.#verifyKey = options.apiKeys
      ? apiKeyVerifier(options.apiKeys, {
          issuer: options.issuer,
          audience: options.audience,
          now: options.now,
        })
      : undefined;
    const scopes = [...new Set([...(options.routes?.scopes() ?? []), ...(options.extraScopes ?? [])])];
    this.#metadata = protectedResourceMetadata({
      resource: this.resource,
      issuer: options.issuer,
      scopes,
      ...(options.name ? { name: options.name } : {}),
    });
    this.#metadataUrl = metadataUrlOf(this.resource).href;
    this.#metadataPaths = new Set(metadataPathsOf(this.resource));
    this.#realm = options.name;
  }

  /** A resource server for the operations of the spec at `file`, loaded by the importer's loader. */
  static async fromSpec(
    file: string,
    options: Omit<ResourceServerOptions, "routes"> & SpecRoutesOptions,
  ): Promise<ResourceServer> {
    return new ResourceServer({ ...options, routes: await routeTableOfFile(file, options) });
  }

  /** The RFC 9728 document, when `path` is where it is served; undefined otherwise. */
  metadataAt(path: string): ProtectedResourceMetadata | undefined {
    return this.#metadataPaths.has(path) ? this.#metadata : undefined;
  }

  get metadata(): ProtectedResourceMetadata {
    return this.#metadata;
  }

  /** The decision for one request: allow (with who it is), pass it on, or refuse (with the answer). */
  async check(request: ProtectedRequest, options: CheckOptions = {}): Promise<Decision> {
    try {
      const required = this.#requiredScopes(request, options);
      if (required === "preflight" || required === "no-operation") return { outcome: "pass", why: required };
      const principal = await this.authenticate(request);
      const missing = required.scopes.filter((s) => !principal.scopes.has(s));
      if (missing.length > 0) {
        throw insufficientScope(required.scopes, `this call needs the scope ${required.scopes.join(" ")}`);
      }
      return { outcome: "allow", principal, requiredScopes: required.scopes, route: required.route };
    } catch (error) {
      if (error instanceof AccessRefused) return { outcome: "refuse", refusal: error };
      throw error;
    }
  }

  #requiredScopes(
    request: ProtectedRequest,
    options: CheckOptions,
  ): { scopes: string[]; route: RouteMatch | undefined } | "preflight" | "no-operation" {
    if (options.requiredScopes) {
      return isPreflight(request) ? "preflight" : { scopes: options.requiredScopes, route: undefined };
    }
    if (!this.routes) throw noOperation("this API has no spec to match requests against");
    const route = this.routes.match(request.method, request.path);
    if (!route) {
      if (isPreflight(request)) return "preflight";
      // A path the spec knows, asked with another method, is never passed on: a handler of the path that
      // takes any method (app.all, a router) would run without the check any of its operations needs.
      const allowed = this.routes.methodsAt(request.path).map((m) => m.toUpperCase());
      if (allowed.length > 0) {
        if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
        throw methodNotAllowed(
          allowed,
          `${request.method.toUpperCase()} is not an operation of this path; it takes ${allowed.join(", ")}`,
        );
      }
      if (options.unmatched === "pass") return "no-operation";
      throw noOperation(`no operation of the API's spec is ${request.method.toUpperCase()} ${request.path}`);
    }
    // A spec's OPTIONS operation is the API's own, but a preflight still cannot carry a token.
    if (isPreflight(request) && route.operation.method !== "options") return "preflight";
    return { scopes: [route.operation.scope], route };
  }

  /** Who the request's credential says it is: an access token (JWT) or an API key; refuses otherwise. */
  async authenticate(request: ProtectedRequest): Promise<Principal> {
    if (hasTokenInQuery(request.query)) {
      throw invalidRequest(
        "send the access token in the Authorization header, not in the URL (RFC 6750 section 2.3)",
      );
    }
    const authorization = readAuthorization(headerOf(request, "authorization"));
    const apiKey = headerOf(request, "x-api-key");
    if (authorization.kind !== "none" && apiKey !== undefined) {
      throw invalidRequest("the request carries two credentials (Authorization and X-API-Key); send one");
    }
    if (authorization.kind === "other") {
      const scheme = authorization.scheme?.slice(0, 32);
      // Bearer written wrong is a malformed request; another scheme is no bearer credential at all
      // (RFC 7235 section 3.1: 401 with the challenge, RFC 6750 section 3.1: no error code).
      if (scheme === undefined || scheme.toLowerCase() === "bearer") {
        throw invalidRequest('the Authorization header must be "Bearer <token>" (RFC 6750 section 2.1)');
      }
      throw noToken(`this call needs a bearer access token, not ${scheme} credentials`);
    }
    const credential = authorization.kind === "bearer" ? authorization.token : apiKey?.trim();
    if (credential === undefined || credential === "") throw noToken("this call needs an access token");
    if (apiKey !== undefined || credential.startsWith(API_KEY_PREFIX)) {
      if (!credential.startsWith(API_KEY_PREFIX))
        throw invalidToken("the X-API-Key header holds no scopectl API key");
      if (!this.#verifyKey) throw invalidToken("this API does not take API keys");
      return this.#verifyKey(credential);
    }
    return this.#verifyToken(credential);
  }

  /** The answer to a refusal: status, `WWW-Authenticate` (RFC 6750 §3, RFC 9728 §5.1) and a JSON body. */
  refusalResponse(refusal: AccessRefused): RefusalResponse {
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (refusal.status === 401 || refusal.status === 403 || refusal.status === 400) {
      headers["www-authenticate"] = bearerChallengeOf(this.#realm, refusal, this.#metadataUrl);
    }
    if (refusal.status === 503) headers["retry-after"] = "5";
    if (refusal.allowedMethods.length > 0) headers.allow = refusal.allowedMethods.join(", ");
    const body: RefusalResponse["body"] = {
      error: refusal.error ?? "invalid_token",
      error_description: refusal.message,
    };
    if (refusal.requiredScopes.length > 0) body.scope = refusal.requiredScopes.join(" ");
    if (refusal.code === "resource.no-token") body.error = "unauthorized";
    return { status: refusal.status, headers, body };
  }
}

function bearerChallengeOf(
  realm: string | undefined,
  refusal: AccessRefused,
  resourceMetadata: string,
): string {
  return bearerChallenge({
    ...(realm !== undefined ? { realm } : {}),
    ...(refusal.error !== undefined ? { error: refusal.error, description: refusal.message } : {}),
    ...(refusal.requiredScopes.length > 0 ? { scope: refusal.requiredScopes } : {}),
    resourceMetadata,
  });
}
