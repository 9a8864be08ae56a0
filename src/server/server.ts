/**
 * Starting and stopping the token service: load the first snapshot, listen, keep the snapshot current,
 * and on close stop accepting connections while in-flight requests finish.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Store } from "../store/store.ts";
import { createApp } from "./app.ts";
import type { ServerContext, SyncHook } from "./context.ts";
import { FailedAuthLimiter, type FailedAuthLimiterOptions } from "./failed-auth-limiter.ts";
import { withTokenFastPath } from "./fast-path.ts";
import { createLogger, type Logger } from "./logger.ts";
import { LoginLimiter, type LoginLimiterOptions } from "./login/login-limiter.ts";
import { createMetrics } from "./metrics.ts";
import { DEFAULT_REUSE_SECONDS, TokenReuse } from "./oauth/token-reuse.ts";
import type { Snapshot } from "./snapshot.ts";
import { SnapshotSource } from "./snapshot-source.ts";

export interface TokenServerOptions {
  store: Store;
  port?: number;
  host?: string;
  /** Overrides the Settings issuer (`iss`, discovery URLs). */
  issuer?: string | undefined;
  pollIntervalMs?: number;
  masterKey?: string | undefined;
  logger?: Logger;
  failedAuth?: FailedAuthLimiterOptions;
  /** Limits on failed sign-ins at the login page, per account and per address. */
  failedLogin?: LoginLimiterOptions;
  /** Longest window in which identical client credentials requests get the same token (default 60; 0: off). */
  tokenReuseSeconds?: number;
  /** A git sync loop this process runs: POST /hooks/git triggers it (with the webhook secret). */
  sync?: SyncHook;
  /** How long close() lets in-flight requests run before it cuts their connections (default 10 s). */
  shutdownGraceMs?: number;
}

export interface TokenServer {
  url: string;
  port: number;
  source: SnapshotSource;
  snapshot(): Snapshot;
  /** Stops polling and listening; resolves when in-flight requests are done. Does not close the store. */
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const logger = options.logger ?? createLogger();
  const metrics = createMetrics();
  const source = new SnapshotSource(options.store, {
    issuer: options.issuer,
    pollIntervalMs: options.pollIntervalMs ?? 500,
    masterKey: options.masterKey,
    warn: (message) => logger.warn(message),
    onReload: (snapshot, previous) => {
      metrics.snapshotRevision.set(snapshot.revision);
      metrics.snapshotReloads.inc({ result: "ok" });
      if (previous) {
        logger.info(
          { revision: snapshot.revision, previousRevision: previous.revision, kid: snapshot.keys.signer.kid },
          "reloaded the store snapshot",
        );
      }
    },
    onError: (error) => {
      metrics.snapshotReloads.inc({ result: "error" });
      logger.error({ err: error }, "snapshot reload failed; serving the previous one");
    },
  });
  const first = await source.start();
  const reuseSeconds = options.tokenReuseSeconds ?? DEFAULT_REUSE_SECONDS;
  const reuseBySnapshot = new WeakMap<Snapshot, TokenReuse>();
  const ctx: ServerContext = {
    snapshot: () => source.current,
    store: options.store,
    metrics,
    // Counted where the store says, so that replicas on one PostgreSQL store share the limits.
    limiter: new FailedAuthLimiter(options.failedAuth, options.store),
    loginLimiter: new LoginLimiter(options.failedLogin, options.store),
    ...(options.sync ? { sync: options.sync } : {}),
    logger,
    tokenReuse: (snapshot) => {
      if (reuseSeconds <= 0) return undefined;
      let reuse = reuseBySnapshot.get(snapshot);
      if (!reuse) {
        reuse = new TokenReuse(reuseSeconds);
        reuseBySnapshot.set(snapshot, reuse);
      }
      return reuse;
    },
  };
  const server: Server = createServer(withTokenFastPath(ctx, createApp(ctx))).listen(
    options.port ?? 0,
    options.host ?? "127.0.0.1",
  );
  try {
    await once(server, "listening");
  } catch (error) {
    source.stop();
    throw error;
  }
  // Keep-alive longer than a typical load balancer's idle timeout, so it never reuses a closed socket.
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info(
    { url, issuer: first.issuer, revision: first.revision, kid: first.keys.signer.kid },
    "serving tokens",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    source,
    snapshot: () => source.current ?? first,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        source.stop();
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        grace.unref();
        server.close((error) => {
          clearTimeout(grace);
          if (error) reject(error);
          else resolve();
        });
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
