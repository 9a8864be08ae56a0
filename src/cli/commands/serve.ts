/** `scopectl serve`: the token service over the store, following each new revision. */
import type { Command } from "commander";
import {
  addServeOptions,
  addStoreOption,
  type ServeOptions,
  type StoreOption,
  SYNC_REPO_ENV,
} from "../options.ts";

export interface SyncFlags {
  syncRepo?: string;
  syncBranch: string;
  syncPath: string;
  syncInterval: string;
  syncSelfHeal?: boolean;
  syncRequireSigned?: string;
  syncCloneDir?: string;
  syncSecretsOut?: string;
}

export type ServeCommandOptions = ServeOptions & StoreOption & SyncFlags;

export function registerServeCommand(program: Command): void {
  addStoreOption(
    addServeOptions(
      program
        .command("serve")
        .description(
          "issue OAuth 2.0 access tokens from the store (token, discovery, JWKS, introspection, /v1, the /console web console)",
        ),
    ),
  )
    .addOption(
      program
        .createOption(
          "--sync-repo <url|path>",
          "also follow this git repository's branch and apply each new commit (a URL with a token: give it in the environment, where `ps` does not show it)",
        )
        .env(SYNC_REPO_ENV),
    )
    .option("--sync-branch <name>", "the branch to follow", "main")
    .option("--sync-path <folder>", "the manifest folder inside the repository", "config")
    .option(
      "--sync-interval <duration>",
      "how often to fetch (30s, 5m, ...); POST /hooks/git syncs at once",
      "30s",
    )
    .option("--sync-self-heal", "restore rows that drifted from the last applied commit")
    .option("--sync-require-signed <allowed-signers>", "apply only commits signed by a key of this file")
    .option("--sync-clone-dir <folder>", "where to keep the clone (default: beside the store, under sync/)")
    .option(
      "--sync-secrets-out <file>",
      "append generated secrets to this file (mode 0600, yours, not a link; checked before each apply)",
    )
    .action(async (options: ServeCommandOptions, command: Command) =>
      (await import("../actions/serve.ts")).serve(options, command),
    );
}
