/**
 * What `serve` and `up` share: the listening options, the port a local issuer implies, and running the
 * token service until SIGTERM or SIGINT, then shutting it down gracefully (in-flight requests finish).
 */
import type { Command } from "commander";
import { createLogger } from "../server/logger.ts";
import { startTokenServer, type TokenServer } from "../server/server.ts";
import { settingsOf } from "../server/snapshot.ts";
import type { Store } from "../store/types.ts";
import { note } from "./output.ts";

export interface ServeOptions {
  port?: string;
  host: string;
  issuer?: string;
  pollInterval: string;
  logLevel?: string;
  tokenReuse: string;
}

export function addServeOptions(command: Command): Command {
  return command
    .option("--port <port>", "port to listen on (default: the issuer's port when it is local, else 8080)")
    .option("--host <host>", "address to listen on (0.0.0.0 to accept other hosts)", "127.0.0.1")
    .option(
      "--issuer <url>",
      "the token issuer and base of discovery URLs (default: Settings.issuer in the store)",
    )
    .option("--poll-interval <ms>", "how often to check the store for a new revision", "500")
    .option(
      "--token-reuse <seconds>",
      "identical client credentials requests within this window (at most a tenth of the token lifetime) get the same token; 0 signs every time",
      "60",
    )
    .option(
      "--log-level <level>",
      "JSON log level: fatal, error, warn, info, debug (default: $SCOPECTL_LOG_LEVEL or info)",
    );
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function parsePort(value: string, what: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${what} must be a port number from 0 to 65535, not "${value}"`);
  }
  return port;
}

/** --port, else the port of a local issuer (so `up` serves where config/'s issuer says), else 8080. */
export function listenPort(options: ServeOptions, issuer: string): number {
  if (options.port !== undefined) return parsePort(options.port, "--port");
  try {
    const url = new URL(issuer);
    if (LOCAL_HOSTS.has(url.hostname) && url.port) return Number(url.port);
  } catch {
    // an issuer that is not a URL is reported where it is used
  }
  return 8080;
}

function checkIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`--issuer must be an absolute http(s) URL, not "${issuer}"`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new Error(`--issuer must be an http(s) URL without query or fragment, not "${issuer}"`);
  }
  return issuer.replace(/\/+$/, "");
}

export async function startServing(store: Store, options: ServeOptions): Promise<TokenServer> {
  const issuer = options.issuer !== undefined ? checkIssuer(options.issuer) : undefined;
  const pollIntervalMs = Number(options.pollInterval);
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10) {
    throw new Error(
      `--poll-interval must be a number of milliseconds (at least 10), not "${options.pollInterval}"`,
    );
  }
  const tokenReuseSeconds = Number(options.tokenReuse);
  if (!Number.isInteger(tokenReuseSeconds) || tokenReuseSeconds < 0) {
    throw new Error(
      `--token-reuse must be a whole number of seconds (0 to turn reuse off), not "${options.tokenReuse}"`,
    );
  }
  const stored = settingsOf(await store.listAll());
  const port = listenPort(options, issuer ?? stored.issuer);
  return startTokenServer({
    store,
    port,
    host: options.host,
    issuer,
    pollIntervalMs,
    tokenReuseSeconds,
    masterKey: process.env.SCOPECTL_MASTER_KEY || undefined,
    logger: createLogger(options.logLevel),
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
