/**
 * For commands that need a store that was applied before (explain, history, keys): a store file that
 * does not exist is a mistyped --store or a folder where nothing was applied yet. Opening it would
 * create an empty store there and report "not found" for everything (or, for keys rotate, make a key
 * that no served store holds), so it is refused, naming the file.
 */
import type { Store } from "../store/store.ts";
import type { StoreOption } from "./options.ts";
import { refuseMissingStore, withStore } from "./reconcile.ts";

export async function withExistingStore<T>(
  options: StoreOption,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  refuseMissingStore(
    options,
    (file) =>
      `there is no store at ${file}: apply the manifests first (scopectl apply or scopectl up), or name the store with --store`,
  );
  return withStore(options, fn);
}
