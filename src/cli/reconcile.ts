/**
 * What the commands that read or write the store share: the `--store` option, the store it names, and
 * the `--take-over` help. Planning a folder is engine/plan-folder.ts.
 */
import path from "node:path";
import type { Command } from "commander";
import { defaultStorePath, openSqliteStore } from "../store/sqlite/open.ts";
import type { Store } from "../store/store.ts";

export interface StoreOption {
  store?: string;
}

export const TAKE_OVER_HELP =
  "manage declared rows that another manager (e.g. a Pulumi stack) holds, instead of refusing them";

/** `--store FILE`: every command that reads or writes the store takes it. */
export function addStoreOption(command: Command): Command {
  return command.option(
    "--store <file>",
    "the SQLite store (default: $SCOPECTL_STORE, else .scopectl/store.db)",
  );
}

export function storePath(options: StoreOption): string {
  return path.resolve(options.store ?? defaultStorePath(process.cwd()));
}

export async function withStore<T>(options: StoreOption, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(storePath(options));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
