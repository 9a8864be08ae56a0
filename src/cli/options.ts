/**
 * The options several commands declare, and the environment variables commands read in place of a
 * flag. Like every command's declaration (commands/), this loads nothing but commander: help, usage
 * errors and `--version` must not pay for any command's work (docs/benchmarks.md#cli-start-up).
 */
import type { Command } from "commander";

/**
 * The environment variable `sync --repo` and `serve --sync-repo` read when the flag is not given: a URL
 * with credentials in argv is readable by every local user (`ps`, /proc/PID/cmdline); the environment
 * of a process is readable only by its user (and root).
 */
export const SYNC_REPO_ENV = "SCOPECTL_SYNC_REPO";

/** `openapi upload`'s client credentials: from the environment only (argv shows in ps and CI logs). */
export const CLIENT_ID_ENV = "SCOPECTL_CLIENT_ID";
export const CLIENT_SECRET_ENV = "SCOPECTL_CLIENT_SECRET";

/** `openapi upload --audience`, when the flag is not given. */
export const AUDIENCE_ENV = "SCOPECTL_AUDIENCE";

/** The manifest folder `openapi preview` and `openapi annotate` look in when `--root` is not given. */
export const DEFAULT_MANIFEST_FOLDER = "config";

export interface StoreOption {
  store?: string;
}

export const TAKE_OVER_HELP =
  "manage declared rows that another manager (e.g. a Pulumi stack) holds, instead of refusing them";

/** `--recompute` (plan, apply): docs/plan-and-apply.md#plan-records. */
export const RECOMPUTE_HELP =
  "plan from the files even when the store's plan record says nothing changed since the last plan or apply";

/** `--store FILE|URL`: every command that reads or writes the store takes it. */
export function addStoreOption(command: Command): Command {
  return command.option(
    "--store <file|url>",
    "the store: an SQLite file, or a postgres:// URL (default: $SCOPECTL_STORE, else .scopectl/store.db); give a URL with a password in $SCOPECTL_STORE or $PGPASSWORD, where `ps` does not show it",
  );
}

/** What `serve` and `up` listen with (checked by serving.ts's checkServeOptions). */
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
