/**
 * A folder of manifests, the store's current rows and the folder's commit, turned into a Plan: the
 * first step of every reconcile (`plan`, `apply`, `up`, the sync loop and its drift check). References
 * to scopes only uploads create are checked here, against the store (plan/uploaded-references.ts).
 */
import path from "node:path";
import { loadDesiredState, ManifestCache } from "../manifest/index.ts";
import { InputError } from "../model/diagnostics.ts";
import { type CommitInfo, RECONCILER } from "../model/resources.ts";
import { desiredResources } from "../plan/desired-resources.ts";
import { makePlan } from "../plan/plan.ts";
import { PlanMemo } from "../plan/plan-memo.ts";
import type { Plan } from "../plan/types.ts";
import { uploadedReferenceProblems } from "../plan/uploaded-references.ts";
import { sameRowsVersion } from "../store/plan-records.ts";
import type { Store } from "../store/store.ts";
import { codeIdentity } from "./code-identity.ts";
import { commitOf } from "./folder-commit.ts";
import {
  hasNothingToDo,
  keepRecord,
  type PendingRecord,
  recordedPlan,
  startRecording,
} from "./plan-record.ts";
import { type RowsAtRevision, StoreRowsMemo } from "./store-rows.ts";

export interface PlannedFolder {
  plan: Plan;
  commit?: CommitInfo;
  /** The store's plan record answered: nothing was parsed (plan-record.ts). */
  fromRecord?: true;
  /** What a full plan with `record` read: an apply of it records what it leaves (reconcile.ts). */
  pending?: PendingRecord;
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
  /** Parsed files of this process's earlier plans of the folder (manifest/cache.ts). */
  cache?: ManifestCache;
  /** The store's rows as this process's earlier plans read them, by rows version (store-rows.ts). */
  rows?: StoreRowsMemo;
  /** Desired rows and comparisons of this process's earlier plans (plan/plan-memo.ts). */
  plans?: PlanMemo;
  /**
   * Answer from the store's plan record while it still holds, and record a plan that has nothing to do
   * (plan-record.ts): what the one-shot commands (`plan`, `apply`) ask. A process that plans again and
   * again keeps its own memos instead (`earlierPlans`).
   */
  record?: boolean;
}

/**
 * What a process that plans one folder again and again (`up`, the sync loop) keeps from plan to plan:
 * parsed and resolved files, the store's rows, desired rows and comparisons, so that a plan reads,
 * resolves and compares again only what changed. Pass it whole.
 */
export type EarlierPlans = Required<Pick<PlanFolderOptions, "cache" | "rows" | "plans">>;

export function earlierPlans(): EarlierPlans {
  return { cache: new ManifestCache(), rows: new StoreRowsMemo(), plans: new PlanMemo() };
}

/** How often the reads are retried while other writers keep moving the store (then the plan is stale). */
const READ_ATTEMPTS = 5;

/**
 * The rows and the import history at one version of the store: read between two reads of the rows
 * version, again when it moved (another writer, such as an upload over HTTP, committed meanwhile, or a
 * hand edit). Otherwise a plan could pair older rows with the newer revision, and its apply would pass
 * the stale-revision check; and a plan record could name a write count its plan never saw.
 */
async function readAtOneRevision(store: Store, memo?: StoreRowsMemo): Promise<RowsAtRevision> {
  let version = await store.rowsVersion();
  for (let attempt = 1; ; attempt++) {
    const kept = memo?.at(store, version);
    if (kept) return kept;
    const [current, imports] = await Promise.all([store.listAll(), store.imports()]);
    const after = await store.rowsVersion();
    const rows = { current, imports, version };
    if (sameRowsVersion(after, version)) {
      memo?.keep(store, rows);
      return rows;
    }
    // Still moving after the last attempt: plan against the first revision, which apply will refuse
    // (and no record names this version: keepRecord finds the store moved on).
    if (attempt === READ_ATTEMPTS) return rows;
    version = after;
  }
}

export async function planFolder(
  store: Store,
  dir: string,
  options: PlanFolderOptions = {},
): Promise<PlannedFolder> {
  const root = path.resolve(dir);
  // git runs in child processes: started first, it answers while the manifests are parsed.
  const commitRead = commitOf(root);
  commitRead.catch(() => {}); // awaited below; a failed load must not leave it unhandled
  const displayBase = options.displayBase ?? process.cwd();
  const scope = { root, displayBase, takeOver: options.takeOver ?? false, managedBy: RECONCILER };
  if (options.record) {
    const recorded = await recordedPlan(store, scope);
    if (recorded) {
      const commit = await commitRead;
      return commit
        ? { plan: { ...recorded, commit }, commit, fromRecord: true }
        : { plan: recorded, fromRecord: true };
    }
  }
  const recording = options.record ? startRecording(scope, process.env) : undefined;
  if (recording) codeIdentity().catch(() => {}); // a record names it: computed while the files are read
  const state = await loadDesiredState(root, {
    displayBase,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(recording ? { inputs: recording.pending.ledger } : {}),
  });
  // The real paths of what was read are looked up (on libuv's threads) while the plan computes.
  recording?.pending.ledger.recorded().catch(() => {});
  const desired = desiredResources(state, recording?.env ?? process.env, options.plans);
  const [{ current, imports, version }, commit] = await Promise.all([
    readAtOneRevision(store, options.rows),
    commitRead,
  ]);
  const plan = makePlan({
    desired,
    current,
    imports,
    revision: version.revision,
    commit,
    managedBy: RECONCILER,
    desiredState: state,
    takeOver: options.takeOver ?? false,
    ...(options.plans ? { memo: options.plans } : {}),
  });
  const problems = uploadedReferenceProblems(state.uploadedScopeReferences, current, plan);
  if (problems.length > 0) throw new InputError(problems);
  if (!recording) return commit ? { plan, commit } : { plan };
  if (hasNothingToDo(plan)) await keepRecord(store, recording.pending, version, plan.leftAlone);
  const { pending } = recording;
  return commit ? { plan, commit, pending } : { plan, pending };
}
