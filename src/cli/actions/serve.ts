/**
 * The work of `scopectl serve`: the token service over the store, following each new revision. Declared
 * in ../commands/serve.ts, which loads this module only when the command runs.
 */
import type { Command } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { createLogger } from "../../server/logger.ts";
import type { ServeCommandOptions, SyncFlags } from "../commands/serve.ts";
import { note } from "../output.ts";
import { openStoreWaiting, storeFolder } from "../reconcile.ts";
import { checkServeOptions, startServing, untilSignal } from "../serving.ts";
import { checkSyncOptions, createSyncLoop } from "../syncing.ts";

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

export async function serve(options: ServeCommandOptions, command: Command): Promise<void> {
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
}
