/**
 * The token service's Express application: OAuth endpoints, discovery, JWKS, management views and
 * operations routes, behind security headers, request logging and latency metrics.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { ServerContext } from "./context.ts";
import { invalidRequest, OAuthError } from "./oauth/errors.ts";
import { formBody } from "./oauth/form-body.ts";
import { sendOAuthError } from "./oauth/respond.ts";
import { requestObserver } from "./request-observer.ts";
import { jwksHandler, oauthMetadataHandler, openIdConfigurationHandler } from "./routes/discovery.ts";
import { introspectHandler } from "./routes/introspect.ts";
import { managementRouter } from "./routes/management.ts";
import { healthzHandler, metricsHandler, readyzHandler } from "./routes/ops.ts";
import { tokenHandler } from "./routes/token.ts";

/** OAuth request bodies are a handful of short parameters; anything larger is refused (413). */
export const FORM_BODY_LIMIT = "8kb";

function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response): void => {
    res
      .set("Allow", allow)
      .status(405)
      .json({
        error: "invalid_request",
        error_description: `this endpoint accepts ${allow} only`,
      });
  };
}

/** body-parser's errors (too large, bad charset, malformed) as OAuth errors that name the limit. */
function bodyError(error: { type?: string; status?: number }): OAuthError | undefined {
  switch (error.type) {
    case "entity.too.large":
      return new OAuthError("invalid_request", `the request body is larger than ${FORM_BODY_LIMIT}`, 413);
    case "parameters.too.many":
      return new OAuthError("invalid_request", "the request body has too many parameters", 413);
    case "charset.unsupported":
    case "encoding.unsupported":
      return new OAuthError(
        "invalid_request",
        "the request body must be UTF-8, without content encoding",
        415,
      );
    case "entity.parse.failed":
    case "request.aborted":
      return invalidRequest("the request body could not be read");
    default:
      return undefined;
  }
}

export function createApp(ctx: ServerContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Token responses are never cached, so an ETag (a SHA-1 of every body) buys nothing; the public
  // documents are cacheable by max-age.
  app.set("etag", false);
  app.set("query parser", "simple");
  // An API, not pages: no CSP beyond "nothing may load or frame this", and no HSTS (TLS ends elsewhere
  // in most deployments; a proxy that terminates it sets HSTS).
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      strictTransportSecurity: false,
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
      xFrameOptions: { action: "deny" },
    }),
  );
  app.use(requestObserver(ctx));

  app.get("/healthz", healthzHandler);
  app.get("/readyz", readyzHandler(ctx));
  app.get("/metrics", metricsHandler(ctx));
  app.get("/.well-known/oauth-authorization-server", oauthMetadataHandler(ctx));
  app.get("/.well-known/openid-configuration", openIdConfigurationHandler(ctx));
  app.get("/.well-known/jwks.json", jwksHandler(ctx));

  const form = formBody({ limit: FORM_BODY_LIMIT, maxParameters: 32 });
  app.post("/oauth2/token", form, tokenHandler(ctx));
  app.all("/oauth2/token", methodNotAllowed("POST"));
  app.post("/oauth2/introspect", form, introspectHandler(ctx));
  app.all("/oauth2/introspect", methodNotAllowed("POST"));

  app.use("/v1", managementRouter(ctx));

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not_found", error_description: "no such endpoint" });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const oauth = error instanceof OAuthError ? error : bodyError(error as { type?: string });
    if (oauth) {
      sendOAuthError(res, oauth);
      return;
    }
    ctx.logger.error({ reqId: res.locals.requestId, path: req.path, err: error }, "request failed");
    res.status(500).json({ error: "server_error", error_description: "internal error; see the server log" });
  });
  return app;
}
