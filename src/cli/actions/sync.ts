/**
 * The work of `scopectl sync`: follow a git branch and apply each new commit of its manifest folder.
 * Declared in ../commands/sync.ts, which loads this module only when the command runs.
 */
import { createLogger } from "../../server/logger.ts";
import type { SyncCommandOptions } from "../commands/sync.ts";
import { note, out } from "../output.ts";
import { openStoreWaiting, storeFolder } from "../reconcile.ts";
import { checkLogLevel } from "../serving.ts";
import { checkSyncOptions, createSyncLoop } from "../syncing.ts";
import { describeStatus } from "./status.ts";

export async function sync(options: SyncCommandOptions): Promise<void> {
  const settings = await checkSyncOptions(options, (name) => `--${name}`);
  checkLogLevel(options.logLevel);
  const store = await openStoreWaiting(options);
  const loop = createSyncLoop(store, storeFolder(options), settings, createLogger(options.logLevel));
  try {
    if (options.once) {
      const status = await loop.syncOnce();
      for (const line of describeStatus(status)) out(line);
      if (status.state === "Failed") process.exitCode = 1;
      return;
    }
    note(
      `scopectl sync: following ${settings.branch} of ${settings.repo} (${settings.path}/) every ${options.interval}`,
    );
    loop.start(settings.intervalMs);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        resolve();
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
  } finally {
    await loop.stop();
    await store.close();
  }
}
