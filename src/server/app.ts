/**
 * The token service's Express application: OAuth endpoints, discovery, JWKS, management views and
 * operations routes, behind security headers, request logging and latency metrics.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { consoleRouter } from "./console/console-routes.ts";
import type { ServerContext } from "./context.ts";
import { publicCors, spaCors } from "./cors.ts";
import { requestError } from "./http/request-errors.ts";
import { bodyError, FORM_BODY_LIMIT, FORM_MAX_PARAMETERS } from "./oauth/body-errors.ts";
import { oauthErrorOf } from "./oauth/errors.ts";
import { formBody } from "./oauth/form-body.ts";
import { noStore, sendOAuthError } from "./oauth/respond.ts";
import { requestObserver } from "./request-observer.ts";
import { authorizeHandler, loginHandler } from "./routes/authorize.ts";
import { jwksHandler, oauthMetadataHandler, openIdConfigurationHandler } from "./routes/discovery.ts";
import { gitHookHandler } from "./routes/git-hook.ts";
import { introspectHandler } from "./routes/introspect.ts";
import { managementRouter } from "./routes/management.ts";
import { healthzHandler, metricsHandler, readyzHandler } from "./routes/ops.ts";
import { tokenHandler } from "./routes/token.ts";
import { userinfoHandler } from "./routes/userinfo.ts";
import { securityHeaders } from "./security-headers.ts";

/** 405 with Allow; never cached, like every other answer of the OAuth endpoints (RFC 6749 §5.1). */
function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response): void => {
    noStore(res);
    res
      .set("Allow", allow)
      .status(405)
      .json({
        error: "invalid_request",
        error_description: `this endpoint accepts ${allow} only`,
      });
  };
}

export function createApp(ctx: ServerContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Token responses are never cached, so an ETag (a SHA-1 of every body) buys nothing; the public
  // documents are cacheable by max-age.
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use(securityHeaders);
  app.use(requestObserver(ctx));

  app.get("/healthz", healthzHandler);
  app.get("/readyz", readyzHandler(ctx));
  app.get("/metrics", metricsHandler(ctx));
  app.use("/.well-known", publicCors);
  const browsers = spaCors(ctx);
  app.options(["/oauth2/token", "/oauth2/userinfo"], browsers);
  app.use("/oauth2/userinfo", browsers);
  app.get("/.well-known/oauth-authorization-server", oauthMetadataHandler(ctx));
  app.get("/.well-known/openid-configuration", openIdConfigurationHandler(ctx));
  app.get("/.well-known/jwks.json", jwksHandler(ctx));

  const form = formBody({ limit: FORM_BODY_LIMIT, maxParameters: FORM_MAX_PARAMETERS });
  // POST /oauth2/token is served by the fast path (fast-path.ts) before Express sees it. Express also
  // serves the spellings of the path it routes here (a trailing slash, another letter case) the same way.
  app.post("/oauth2/token", browsers, form, tokenHandler(ctx));
  app.all("/oauth2/token", methodNotAllowed("POST"));
  app.post("/oauth2/introspect", form, introspectHandler(ctx));
  app.all("/oauth2/introspect", methodNotAllowed("POST"));
  app.get("/oauth2/authorize", authorizeHandler(ctx));
  app.all("/oauth2/authorize", methodNotAllowed("GET"));
  app.post("/oauth2/login", form, loginHandler(ctx));
  app.all("/oauth2/login", methodNotAllowed("POST"));
  app.get("/oauth2/userinfo", userinfoHandler(ctx));
  app.post("/oauth2/userinfo", userinfoHandler(ctx));
  app.all("/oauth2/userinfo", methodNotAllowed("GET, POST"));

  app.use("/v1", managementRouter(ctx));
  app.use("/console", consoleRouter(ctx));

  // Git push webhooks wake the sync loop of `serve --sync-repo`; without one there is nothing to wake.
  if (ctx.sync) {
    app.post(
      "/hooks/git",
      gitHookHandler({
        secret: ctx.sync.webhookSecret,
        branch: ctx.sync.branch,
        trigger: ctx.sync.trigger,
        logger: ctx.logger,
      }),
    );
    app.all("/hooks/git", methodNotAllowed("POST"));
  }

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not_found", error_description: "no such endpoint" });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A store outage at userinfo or /v1 (they read grants, sync status, import history) is a 503 too.
    const oauth = oauthErrorOf(error) ?? bodyError(error as { type?: string });
    if (oauth) {
      sendOAuthError(res, oauth);
      return;
    }
    const malformed = requestError(error);
    if (malformed) {
      noStore(res);
      res
        .status(malformed.status)
        .json({ error: "invalid_request", error_description: malformed.description });
      return;
    }
    ctx.logger.error({ reqId: res.locals.requestId, path: req.path, err: error }, "request failed");
    noStore(res);
    res.status(500).json({ error: "server_error", error_description: "internal error; see the server log" });
  });
  return app;
}
