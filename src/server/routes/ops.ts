/** Liveness, readiness and Prometheus metrics. */
import type { Request, Response } from "express";
import type { ServerContext } from "../context.ts";

/** The process answers: nothing else is checked (a liveness probe must not restart a busy server). */
export function healthzHandler(_req: Request, res: Response): void {
  res.set("Cache-Control", "no-store").json({ status: "ok" });
}

/** Ready once a snapshot of the store is loaded; says which revision is served. */
export function readyzHandler(ctx: ServerContext) {
  return (_req: Request, res: Response): void => {
    const snapshot = ctx.snapshot();
    res.set("Cache-Control", "no-store");
    if (!snapshot) {
      res.status(503).json({ status: "loading" });
      return;
    }
    res.json({
      status: "ready",
      revision: snapshot.revision,
      loadedAt: new Date(snapshot.loadedAt).toISOString(),
    });
  };
}

export function metricsHandler(ctx: ServerContext) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.set("Content-Type", ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  };
}
