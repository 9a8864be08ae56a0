/**
 * One `finish` listener per request that does what operations need: the request id (the caller's
 * `X-Request-Id` when it is a short token, else a new UUID, echoed back), the latency histogram by route
 * pattern, and one JSON log line. The log line holds method, path without query, status, client id and
 * time, never a header or a body, so no secret can reach it; it is built only when its level is enabled.
 */
import type { NextFunction, Request, Response } from "express";
import type { ServerContext } from "./context.ts";
import { requestId } from "./logger.ts";

export function requestObserver(ctx: ServerContext) {
  const { logger, metrics } = ctx;
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const id = requestId(req);
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route pattern, not the URL: bounded label values.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      const status = res.statusCode;
      metrics.requestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const level = status >= 500 ? "error" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const query = req.originalUrl.indexOf("?");
      logger[level](
        {
          reqId: id,
          method: req.method,
          path: query === -1 ? req.originalUrl : req.originalUrl.slice(0, query),
          status,
          ms: Math.round(seconds * 10_000) / 10,
          remoteAddress: req.socket.remoteAddress,
          ...(res.locals.clientId ? { clientId: res.locals.clientId } : {}),
        },
        "request completed",
      );
    });
    next();
  };
}
