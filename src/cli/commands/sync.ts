/** `scopectl sync`: follow a git branch and apply each new commit of its manifest folder. */
import type { Command } from "commander";
import { addStoreOption, type StoreOption, SYNC_REPO_ENV } from "../options.ts";
import type { RawSyncOptions } from "../syncing.ts";

export interface SyncCommandOptions extends RawSyncOptions, StoreOption {
  once?: boolean;
  logLevel?: string;
}

export function registerSyncCommand(program: Command): void {
  addStoreOption(
    program
      .command("sync")
      .description("follow a git branch: fetch, and apply each new commit of its manifest folder, in order")
      .addOption(
        program
          .createOption(
            "--repo <url|path>",
            "the git repository to follow (a URL or a local path); a URL with a token is better given in the environment, where `ps` does not show it",
          )
          .env(SYNC_REPO_ENV)
          .makeOptionMandatory(),
      )
      .option("--branch <name>", "the branch to follow", "main")
      .option("--path <folder>", "the manifest folder inside the repository", "config")
      .option("--interval <duration>", "how often to fetch: 30s, 5m, or seconds; at least 1s", "30s")
      .option(
        "--self-heal",
        "restore rows changed in the store since the last applied commit (drift); without it drift is only reported",
      )
      .option(
        "--require-signed <allowed-signers>",
        "apply only commits signed (git SSH signing) by a key of this allowed-signers file",
      )
      .option("--clone-dir <folder>", "where to keep the clone (default: beside the store, under sync/)")
      .option(
        "--secrets-out <file>",
        "append generated client secrets and API keys to this file (mode 0600, yours, not a link; checked before each apply)",
      )
      .option("--once", "one pass (fetch, apply, check drift), print the status and exit (1 when Failed)")
      .option("--log-level <level>", "JSON log level (default: $SCOPECTL_LOG_LEVEL or info)")
      .addHelpText(
        "after",
        `
Without --once it runs until SIGTERM or SIGINT. The first pass applies the branch head; later passes
apply each new commit in order, all or nothing; a commit that fails is reported and changes nothing.
JSON logs go to stdout. \`scopectl status\` shows the last pass; \`scopectl serve --sync-repo\` runs the
same loop beside the token service and also syncs on POST /hooks/git.
One loop leads a store's sync (\`status\` names it): while another leads, this one stands by, logs who
leads, and takes over when it is gone; with --once it exits 1 instead (code sync.led-elsewhere).`,
      ),
  ).action(async (options: SyncCommandOptions) => (await import("../actions/sync.ts")).sync(options));
}
