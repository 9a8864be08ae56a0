/**
 * `scopectl/express`: the resource server as Express middleware. One line protects every operation of a
 * spec with the scope the importer generated for it (docs/resource-server.md):
 *
 *   app.use(await resourceServer({ issuer, audience, spec: "openapi.yaml" }));
 *
 * The middleware serves the RFC 9728 metadata at its well-known paths, answers CORS preflights that reach
 * it with 204 (put CORS middleware before it), and
 * sets `req.auth` (the Principal, the operation and the scopes it needed) for the handlers after it. Express
 * itself is only a type here: importing this file loads no Express.
 */
import { fileURLToPath } from "node:url";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Principal } from "./principal.ts";
import {
  type CheckOptions,
  type Decision,
  type ProtectedRequest,
  ResourceServer,
  type ResourceServerOptions,
} from "./resource-server.ts";
import type { RouteMatch } from "./route-table.ts";
import type { SpecRoutesOptions } from "./spec-routes.ts";

/** What a handler after the middleware finds in `req.auth`. */
export interface RequestAuth extends Principal {
  /** The scopes this route needed (all held). */
  requiredScopes: string[];
  /** The spec's operation the request matched; undefined for a `requireScopes` route. */
  route: RouteMatch | undefined;
}

declare module "express-serve-static-core" {
  interface Request {
    auth?: RequestAuth;
  }
}

export interface ResourceServerMiddlewareOptions
  extends Omit<ResourceServerOptions, "routes">,
    SpecRoutesOptions {
  /** The spec whose operations the middleware enforces (the file the API's OpenApiSource reads). */
  spec?: string | URL;
  /** A request that matches no operation of the spec: 404 (`"refuse"`, the default) or on to the next handler. */
  unmatched?: "refuse" | "pass";
}

export interface ResourceServerMiddleware extends RequestHandler {
  /** The framework-agnostic check behind the middleware. */
  readonly server: ResourceServer;
  /** A route outside the spec: needs every one of `scopes`. */
  requireScopes(...scopes: string[]): RequestHandler;
}

function protectedRequestOf(req: Request): ProtectedRequest {
  const q = req.url.indexOf("?");
  return {
    method: req.method,
    // What Express routes on: the mount path and the path below it, percent-encoded, without the query.
    path: `${req.baseUrl}${req.path}`,
    query: q === -1 ? "" : req.url.slice(q + 1),
    headers: req.headers,
  };
}

/** Answers a decision: on to `next` with `req.auth` set, or the refusal. */
function answer(
  server: ResourceServer,
  decision: Decision,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (decision.outcome === "pass" && decision.why === "preflight") {
    // Answered here, not passed on: a handler that takes any method would run without a check. CORS
    // middleware goes before this one and answers preflights itself (docs/resource-server.md).
    res.status(204).set("vary", "Origin").end();
    return;
  }
  if (decision.outcome === "pass") {
    next();
    return;
  }
  if (decision.outcome === "allow") {
    req.auth = { ...decision.principal, requiredScopes: decision.requiredScopes, route: decision.route };
    next();
    return;
  }
  const { status, headers, body } = server.refusalResponse(decision.refusal);
  res.status(status).set(headers).json(body);
}

function guard(server: ResourceServer, options: CheckOptions): RequestHandler {
  return (req, res, next) => {
    server
      .check(protectedRequestOf(req), options)
      .then((decision) => answer(server, decision, req, res, next))
      .catch(next);
  };
}

/** Middleware for an existing ResourceServer (a spec loaded elsewhere, several APIs in one app). */
export function middlewareOf(
  server: ResourceServer,
  options: Pick<ResourceServerMiddlewareOptions, "unmatched"> = {},
): ResourceServerMiddleware {
  const enforce = server.routes ? guard(server, { unmatched: options.unmatched ?? "refuse" }) : undefined;
  const handler: RequestHandler = (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") {
      const metadata = server.metadataAt(`${req.baseUrl}${req.path}`);
      if (metadata) {
        res.set("cache-control", "public, max-age=300").json(metadata);
        return;
      }
    }
    // Without a spec the middleware only serves the metadata: routes use requireScopes.
    if (!enforce) {
      next();
      return;
    }
    enforce(req, res, next);
  };
  return Object.assign(handler, {
    server,
    requireScopes: (...scopes: string[]) => {
      if (scopes.length === 0) throw new TypeError("requireScopes: name at least one scope");
      return guard(server, { requiredScopes: scopes });
    },
  });
}

/** The middleware for `options.spec` (or, without a spec, for `requireScopes` routes and the metadata). */
export async function resourceServer(
  options: ResourceServerMiddlewareOptions,
): Promise<ResourceServerMiddleware> {
  const { spec, unmatched, ...rest } = options;
  const file = spec instanceof URL ? fileURLToPath(spec) : spec;
  const server = file ? await ResourceServer.fromSpec(file, rest) : new ResourceServer(rest);
  return middlewareOf(server, { unmatched });
}

export type { Principal } from "./principal.ts";
export { ResourceServer } from "./resource-server.ts";
