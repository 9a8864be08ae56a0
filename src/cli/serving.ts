/**
 * What `serve` and `up` share: the listening options, the port a local issuer implies, and running the
 * token service until SIGTERM or SIGINT, then shutting it down gracefully (in-flight requests finish).
 */
import { pino } from "pino";
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import type { SyncLoop } from "../gitops/sync.ts";
import { checkIssuer } from "../model/uris.ts";
import { createLogger } from "../server/logger.ts";
import { startTokenServer, type TokenServer } from "../server/server.ts";
import { settingsOf } from "../server/snapshot.ts";
import type { Store } from "../store/store.ts";
import type { ServeOptions } from "./options.ts";
import { note } from "./output.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function parsePort(value: string, what: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ScopectlError(
      "option.invalid",
      `${what} must be a port number from 0 to 65535, not "${value}"`,
    );
  }
  return port;
}

/** Serve options, checked: what startServing needs. */
export interface ServeSettings {
  port?: number;
  host: string;
  issuer?: string;
  pollIntervalMs: number;
  tokenReuseSeconds: number;
  logLevel?: string;
}

/** The port of a local issuer (so `up` serves where config/'s issuer says), else 8080. */
function issuerPort(issuer: string): number {
  try {
    const url = new URL(issuer);
    if (LOCAL_HOSTS.has(url.hostname) && url.port) return Number(url.port);
  } catch {
    // a stored issuer was validated when it was applied
  }
  return 8080;
}

/**
 * The rule `Settings.issuer` follows (https, or http on a loopback host; no query, fragment or
 * credentials: the issuer is in every token and in the discovery document, so a password there would be
 * published). The value is never echoed with its credentials.
 */
function checkServeIssuer(issuer: string): string {
  const problem = checkIssuer(issuer);
  if (problem) throw new ScopectlError("option.invalid", `--issuer "${redactUrls(issuer)}" ${problem}`);
  return issuer.replace(/\/+$/, "");
}

/** `--log-level`: one of pino's levels (serve, up, sync). */
export function checkLogLevel(level: string | undefined): void {
  if (level !== undefined && !(level in pino.levels.values)) {
    throw new ScopectlError(
      "option.invalid",
      `--log-level must be one of ${Object.keys(pino.levels.values).join(", ")}, not "${level}"`,
    );
  }
}

/**
 * Checks every serve option before anything is opened or written, so that a typo changes nothing (not
 * even a new store file) and is reported as one sentence naming the option.
 */
export function checkServeOptions(options: ServeOptions): ServeSettings {
  const pollIntervalMs = Number(options.pollInterval);
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10) {
    throw new ScopectlError(
      "option.invalid",
      `--poll-interval must be a number of milliseconds (at least 10), not "${options.pollInterval}"`,
    );
  }
  const tokenReuseSeconds = Number(options.tokenReuse);
  if (!Number.isInteger(tokenReuseSeconds) || tokenReuseSeconds < 0) {
    throw new ScopectlError(
      "option.invalid",
      `--token-reuse must be a whole number of seconds (0 to turn reuse off), not "${options.tokenReuse}"`,
    );
  }
  checkLogLevel(options.logLevel);
  return {
    ...(options.port !== undefined ? { port: parsePort(options.port, "--port") } : {}),
    host: options.host,
    ...(options.issuer !== undefined ? { issuer: checkServeIssuer(options.issuer) } : {}),
    pollIntervalMs,
    tokenReuseSeconds,
    ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
  };
}

export async function startServing(
  store: Store,
  settings: ServeSettings,
  sync?: { loop: SyncLoop; branch: string },
): Promise<TokenServer> {
  const issuer = settings.issuer ?? settingsOf(await store.listAll()).issuer;
  return startTokenServer({
    store,
    port: settings.port ?? issuerPort(issuer),
    host: settings.host,
    issuer: settings.issuer,
    pollIntervalMs: settings.pollIntervalMs,
    tokenReuseSeconds: settings.tokenReuseSeconds,
    masterKey: process.env.SCOPECTL_MASTER_KEY || undefined,
    logger: createLogger(settings.logLevel),
    ...(sync
      ? {
          sync: {
            branch: sync.branch,
            trigger: () => sync.loop.trigger(),
            webhookSecret: process.env.SCOPECTL_WEBHOOK_SECRET || undefined,
          },
        }
      : {}),
  });
}

/** Resolves on SIGTERM or SIGINT, after `server.close()` and `cleanup` have run. */
export function untilSignal(
  server: TokenServer,
  cleanup: () => Promise<void> = async () => {},
): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      note(`${signal}: finishing in-flight requests, then stopping`);
      server
        .close()
        .then(cleanup)
        .catch((error) => note(`shutdown: ${(error as Error).message}`))
        .finally(resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
