/**
 * For commands that need a store that was applied before (explain, history, keys): a store file that
 * does not exist is a mistyped --store or a folder where nothing was applied yet. Opening it would
 * create an empty store there and report "not found" for everything (or, for keys rotate, make a key
 * that no served store holds), so it is refused, naming the file.
 */
import { existsSync } from "node:fs";
import { ScopectlError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import { type StoreOption, storePath, withStore } from "./reconcile.ts";

export function withExistingStore<T>(options: StoreOption, fn: (store: Store) => Promise<T>): Promise<T> {
  const file = storePath(options);
  if (!existsSync(file)) {
    return Promise.reject(
      new ScopectlError(
        "store.missing",
        `there is no store at ${file}: apply the manifests first (scopectl apply or scopectl up), or name the store with --store`,
      ),
    );
  }
  return withStore(options, fn);
}
