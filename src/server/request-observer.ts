/**
 * One `finish` listener per request that does what operations need: the request id (the caller's
 * `X-Request-Id` when it is a short token, else a new UUID, echoed back), the latency histogram by route
 * pattern, and one JSON log line. The log line holds method, path without query, status, client id and
 * time, never a header or a body, so no secret can reach it; it is built only when its level is enabled.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { ServerContext } from "./context.ts";
import { clientIdOf } from "./http/types.ts";
import { requestId } from "./logger.ts";

/** Starts observing a request; `route` names its route pattern once it has finished. */
export function observeRequest(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: () => string,
): string {
  const { logger, metrics } = ctx;
  const started = process.hrtime.bigint();
  const id = requestId(req);
  res.setHeader("X-Request-Id", id);
  res.once("finish", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = res.statusCode;
    metrics.requestDuration.observe(
      { method: req.method ?? "", route: route(), status: String(status) },
      seconds,
    );
    const level = status >= 500 ? "error" : "info";
    if (!logger.isLevelEnabled(level)) return;
    // Express rewrites req.url inside mounted routers; originalUrl is the one the client sent.
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "";
    const query = url.indexOf("?");
    const clientId = clientIdOf(res);
    logger[level](
      {
        reqId: id,
        method: req.method,
        path: query === -1 ? url : url.slice(0, query),
        status,
        ms: Math.round(seconds * 10_000) / 10,
        remoteAddress: req.socket.remoteAddress,
        ...(clientId ? { clientId } : {}),
      },
      "request completed",
    );
  });
  return id;
}

/** The Express middleware: the route pattern (bounded label values) is known once routing is done. */
export function requestObserver(ctx: ServerContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.requestId = observeRequest(ctx, req, res, () =>
      req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched",
    );
    next();
  };
}
