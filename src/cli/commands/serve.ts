/** `scopectl serve`: the token service over the store, following each new revision. */
import { type Command, Option } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { createLogger } from "../../server/logger.ts";
import { note } from "../output.ts";
import { addStoreOption, openStoreWaiting, type StoreOption, storeFolder } from "../reconcile.ts";
import {
  addServeOptions,
  checkServeOptions,
  type ServeOptions,
  startServing,
  untilSignal,
} from "../serving.ts";
import { checkSyncOptions, createSyncLoop, SYNC_REPO_ENV } from "../syncing.ts";

interface SyncFlags {
  syncRepo?: string;
  syncBranch: string;
  syncPath: string;
  syncInterval: string;
  syncSelfHeal?: boolean;
  syncRequireSigned?: string;
  syncCloneDir?: string;
  syncSecretsOut?: string;
}

const SYNC_FLAGS = [
  "syncBranch",
  "syncPath",
  "syncInterval",
  "syncSelfHeal",
  "syncRequireSigned",
  "syncCloneDir",
  "syncSecretsOut",
] as const;

function syncOptionsOf(flags: SyncFlags) {
  return {
    repo: flags.syncRepo ?? "",
    branch: flags.syncBranch,
    path: flags.syncPath,
    interval: flags.syncInterval,
    ...(flags.syncSelfHeal ? { selfHeal: true } : {}),
    ...(flags.syncRequireSigned !== undefined ? { requireSigned: flags.syncRequireSigned } : {}),
    ...(flags.syncCloneDir !== undefined ? { cloneDir: flags.syncCloneDir } : {}),
    ...(flags.syncSecretsOut !== undefined ? { secretsOut: flags.syncSecretsOut } : {}),
  };
}

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
      new Option(
        "--sync-repo <url|path>",
        "also follow this git repository's branch and apply each new commit (a URL with a token: give it in the environment, where `ps` does not show it)",
      ).env(SYNC_REPO_ENV),
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
    .action(async (options: ServeOptions & StoreOption & SyncFlags, command: Command) => {
      const settings = checkServeOptions(options);
      if (options.syncRepo === undefined) {
        // A --sync-* option without --sync-repo would be ignored: say so rather than serve without syncing.
        const stray = SYNC_FLAGS.find((name) => command.getOptionValueSource(name) === "cli");
        if (stray) {
          throw new ScopectlError(
            "option.invalid",
            `--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --sync-repo`,
          );
        }
      }
      const sync =
        options.syncRepo === undefined
          ? undefined
          : await checkSyncOptions(syncOptionsOf(options), (n) => `--sync-${n}`);
      const store = await openStoreWaiting(options);
      try {
        const loop = sync
          ? createSyncLoop(store, storeFolder(options), sync, createLogger(settings.logLevel))
          : undefined;
        const server = await startServing(
          store,
          settings,
          loop && sync ? { loop, branch: sync.branch } : undefined,
        );
        note(`scopectl serve: listening on ${server.url}, issuer ${server.snapshot().issuer}`);
        if (loop && sync) {
          note(
            `following ${sync.branch} of ${sync.repo} (${sync.path}/) every ${options.syncInterval}; webhook: POST ${server.url}/hooks/git`,
          );
          loop.start(sync.intervalMs);
        }
        await untilSignal(server, async () => loop?.stop());
      } finally {
        await store.close();
      }
    });
}
