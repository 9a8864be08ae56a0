/** Liveness, readiness and Prometheus metrics. */
import type { Request, Response } from "express";
import type { ServerContext } from "../context.ts";

/** The process answers: nothing else is checked (a liveness probe must not restart a busy server). */
export function healthzHandler(_req: Request, res: Response): void {
  res.set("Cache-Control", "no-store").json({ status: "ok" });
}

/** How long the readiness probe waits for the store before it reports it unreachable. */
export const STORE_PROBE_TIMEOUT_MS = 1000;

/** Whether the store answers a one-row read within STORE_PROBE_TIMEOUT_MS. */
async function storeReachable(ctx: ServerContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), STORE_PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([ctx.store.revision().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ready once a snapshot of the store is loaded; says which revision is served, and whether the store
 * answers now. A replica whose store cannot be reached stays ready (200): the store is shared, so
 * failing readiness would take every replica out of the load balancer at once, while each can still
 * issue client credentials tokens from its snapshot. Sign-ins, code exchanges and refreshes answer 503
 * meanwhile; `store: "unreachable"` is for alerts and for operators, not for routing.
 */
export function readyzHandler(ctx: ServerContext) {
  return async (_req: Request, res: Response): Promise<void> => {
    const snapshot = ctx.snapshot();
    res.set("Cache-Control", "no-store");
    if (!snapshot) {
      res.status(503).json({ status: "loading" });
      return;
    }
    const reachable = await storeReachable(ctx);
    res.json({
      status: "ready",
      revision: snapshot.revision,
      loadedAt: new Date(snapshot.loadedAt).toISOString(),
      store: reachable ? "reachable" : "unreachable",
    });
  };
}

export function metricsHandler(ctx: ServerContext) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.set("Content-Type", ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  };
}
