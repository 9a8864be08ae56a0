/**
 * What `plan` and `apply` share: the manifests of a folder, the store's current rows and the folder's
 * commit, turned into a Plan.
 */
import path from "node:path";
import type { Command } from "commander";
import { commitOf } from "../gitops/commit.ts";
import { loadDesiredState } from "../manifest/index.ts";
import { type CommitInfo, RECONCILER } from "../model/resources.ts";
import { desiredResources } from "../plan/desired-resources.ts";
import { makePlan } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
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

export interface PlannedFolder {
  plan: Plan;
  commit?: CommitInfo;
}

export interface PlanFolderOptions {
  /** Take over declared rows that another manager (e.g. a Pulumi stack) holds. */
  takeOver?: boolean;
  /**
   * Errors name files relative to this folder, absolute outside it. Default: the working directory, as a
   * command run from a terminal wants. The sync loop passes its manifest folder (in its clone), so that
   * its status names files as the repository does.
   */
  displayBase?: string;
}

export async function planFolder(
  store: Store,
  dir: string,
  options: PlanFolderOptions = {},
): Promise<PlannedFolder> {
  const root = path.resolve(dir);
  const state = await loadDesiredState(root, { displayBase: options.displayBase ?? process.cwd() });
  const desired = desiredResources(state, process.env);
  const [current, imports, revision, commit] = await Promise.all([
    store.listAll(),
    store.imports(),
    store.revision(),
    commitOf(root),
  ]);
  const plan = makePlan({
    desired,
    current,
    imports,
    revision,
    commit,
    managedBy: RECONCILER,
    desiredState: state,
    takeOver: options.takeOver ?? false,
  });
  return commit ? { plan, commit } : { plan };
}
