/**
 * The token service's Express application: OAuth endpoints, discovery, JWKS, management views and
 * operations routes, behind security headers, request logging and latency metrics.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import type { ServerContext } from "./context.ts";
import { requestId, serializeRequest } from "./logger.ts";
import { invalidRequest, OAuthError } from "./oauth/errors.ts";
import { sendOAuthError } from "./oauth/respond.ts";
import { jwksHandler, oauthMetadataHandler, openIdConfigurationHandler } from "./routes/discovery.ts";
import { introspectHandler } from "./routes/introspect.ts";
import { managementRouter } from "./routes/management.ts";
import { healthzHandler, metricsHandler, readyzHandler } from "./routes/ops.ts";
import { tokenHandler } from "./routes/token.ts";

/** OAuth request bodies are a handful of short parameters; anything larger is refused (413). */
export const FORM_BODY_LIMIT = "8kb";

function timing(ctx: ServerContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      // The route pattern, not the URL: bounded label values.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      ctx.metrics.requestDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}

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
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = requestId(req);
        res.setHeader("X-Request-Id", id);
        return id;
      },
      serializers: {
        req: serializeRequest,
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customProps: (_req, res) => {
        const clientId = (res as unknown as Response).locals?.clientId;
        return clientId ? { clientId } : {};
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : "info"),
      quietReqLogger: true,
    }),
  );
  app.use(timing(ctx));

  app.get("/healthz", healthzHandler);
  app.get("/readyz", readyzHandler(ctx));
  app.get("/metrics", metricsHandler(ctx));
  app.get("/.well-known/oauth-authorization-server", oauthMetadataHandler(ctx));
  app.get("/.well-known/openid-configuration", openIdConfigurationHandler(ctx));
  app.get("/.well-known/jwks.json", jwksHandler(ctx));

  const form = express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 32 });
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
    req.log?.error({ err: error }, "request failed");
    res.status(500).json({ error: "server_error", error_description: "internal error; see the server log" });
  });
  return app;
}
