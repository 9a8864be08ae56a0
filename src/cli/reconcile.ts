/**
 * What the commands that read or write the store share: the store their `--store` option (options.ts)
 * names, opened. Planning a folder is engine/plan-folder.ts.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";
import {
  defaultStoreLocation,
  describeStoreLocation,
  parseStoreLocation,
  type StoreLocation,
} from "../store/location.ts";
import { openStore } from "../store/open.ts";
import { type Store, StoreUnavailableError } from "../store/store.ts";
import type { StoreOption } from "./options.ts";
import { note } from "./output.ts";

let warnedAboutArgvPassword = false;

/** A password in the userinfo or as node-postgres's `password` query parameter. */
function urlHoldsPassword(value: string): boolean {
  const url = new URL(value);
  return url.password !== "" || url.searchParams.has("password");
}

/** The store the options name: `--store`, else $SCOPECTL_STORE, else `.scopectl/store.db`. */
export function storeLocation(options: StoreOption): StoreLocation {
  if (options.store === undefined) return defaultStoreLocation(process.cwd());
  const location = parseStoreLocation(options.store, process.cwd());
  if (location.kind === "postgres" && !warnedAboutArgvPassword && urlHoldsPassword(location.url)) {
    warnedAboutArgvPassword = true;
    note(
      "warning: the --store URL holds a password, which every local user can read in the process list; set SCOPECTL_STORE or PGPASSWORD instead",
    );
  }
  return location;
}

/** The store as messages name it: a file, or a URL without its password. */
export const storeName = (options: StoreOption): string => describeStoreLocation(storeLocation(options));

/**
 * Where files that belong beside the store go (the sync loop's clones): the SQLite file's folder, or
 * for a PostgreSQL store `.scopectl/` in the working directory.
 */
export function storeFolder(options: StoreOption): string {
  const location = storeLocation(options);
  return location.kind === "sqlite" ? path.dirname(location.file) : path.resolve(".scopectl");
}

/**
 * For the long-running commands (serve, sync): a store whose database cannot be reached yet (a replica
 * starting before PostgreSQL, or during a failover) is waited for, retried every few seconds with a
 * note each time, instead of exiting; any other failure to open is reported at once. Stops waiting on
 * SIGTERM or SIGINT (the returned promise rejects with the last error).
 */
export async function openStoreWaiting(options: StoreOption): Promise<Store> {
  const location = storeLocation(options);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  try {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await openStore(location);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || stopped) throw error;
        note(`${error.message.replace(/; try again$/, "")}: waiting for it (next try in ${delay / 1000} s)`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (stopped) throw error;
      }
    }
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}

export async function withStore<T>(options: StoreOption, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(options));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * For commands that read a store that must exist already: an SQLite file that does not exist is a
 * mistyped --store or a folder where nothing was applied yet, and opening it would create an empty
 * store. Refused with `message(file)`. A PostgreSQL database is opened as is (its schema is created
 * when missing; the database itself must exist).
 */
export function refuseMissingStore(options: StoreOption, message: (file: string) => string): void {
  const location = storeLocation(options);
  if (location.kind === "sqlite" && !existsSync(location.file)) {
    throw new ScopectlError("store.missing", message(location.file));
  }
}

/** Said when the store's plan record answered a plan (engine/plan-record.ts). */
export const FROM_RECORD_NOTE =
  "No file changed and the store is as the last plan or apply left it: answered from the store's plan record (--recompute plans in full).";
