/**
 * The token endpoint's fast path. `POST /oauth2/token` is the one route that takes real load, and
 * Express's per-request setup (prototype swaps, the router walk) costs more CPU than everything the
 * handler itself does short of signing (measured in bench/token: about 60 us of 150 us per request). So
 * the server's request listener sends that one route straight to the same handler, body reader,
 * security headers and request observer that the Express app uses, and everything else to Express.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ServerContext } from "./context.ts";
import { spaCors } from "./cors.ts";
import { bodyError, FORM_BODY_LIMIT, FORM_MAX_PARAMETERS } from "./oauth/body-errors.ts";
import { OAuthError } from "./oauth/errors.ts";
import { formBody } from "./oauth/form-body.ts";
import { noStore, sendOAuthError } from "./oauth/respond.ts";
import { observeRequest } from "./request-observer.ts";
import { tokenHandler } from "./routes/token.ts";
import { securityHeaders } from "./security-headers.ts";

const TOKEN_PATH = "/oauth2/token";
const TOKEN_ROUTE = () => TOKEN_PATH;
const TOKEN_PATHS = [TOKEN_PATH, `${TOKEN_PATH}/`];
const TOKEN_PREFIXES = TOKEN_PATHS.map((path) => `${path}?`);

/**
 * The path with or without a trailing slash, as Express routes it too; other spellings Express routes
 * here (another letter case) reach its copy of the same handler (app.ts).
 */
function isTokenRequest(req: IncomingMessage): boolean {
  if (req.method !== "POST") return false;
  const url = req.url ?? "";
  return TOKEN_PATHS.includes(url) || TOKEN_PREFIXES.some((prefix) => url.startsWith(prefix));
}

export function withTokenFastPath(ctx: ServerContext, app: RequestListener): RequestListener {
  const readBody = formBody({ limit: FORM_BODY_LIMIT, maxParameters: FORM_MAX_PARAMETERS });
  const token = tokenHandler(ctx);
  const browsers = spaCors(ctx);
  const fail = (res: ServerResponse, error: unknown) => {
    const oauth = error instanceof OAuthError ? error : bodyError(error as { type?: string });
    if (oauth) {
      sendOAuthError(res, oauth);
      return;
    }
    ctx.logger.error({ err: error, path: TOKEN_PATH }, "request failed");
    if (!res.headersSent) {
      res.statusCode = 500;
      noStore(res);
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.end(
        JSON.stringify({ error: "server_error", error_description: "internal error; see the server log" }),
      );
    }
  };
  return (req, res) => {
    if (!isTokenRequest(req)) {
      app(req, res);
      return;
    }
    observeRequest(ctx, req, res, TOKEN_ROUTE);
    securityHeaders(req, res, () => {});
    // Only browsers send Origin; server-side clients skip CORS altogether. It runs synchronously.
    if (req.headers.origin !== undefined) browsers(req, res, () => {});
    readBody(req, res, (error?: unknown) => {
      if (error) {
        fail(res, error);
        return;
      }
      token(req, res).catch((thrown: unknown) => fail(res, thrown));
    });
  };
}
