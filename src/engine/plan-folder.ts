/**
 * A folder of manifests, the store's current rows and the folder's commit, turned into a Plan: the
 * first step of every reconcile (`plan`, `apply`, `up`, the sync loop and its drift check). References
 * to scopes only uploads create are checked here, against the store (plan/uploaded-references.ts).
 */
import path from "node:path";
import { loadDesiredState } from "../manifest/index.ts";
import { InputError } from "../model/diagnostics.ts";
import { type CommitInfo, RECONCILER } from "../model/resources.ts";
import { desiredResources } from "../plan/desired-resources.ts";
import { makePlan } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
import { uploadedReferenceProblems } from "../plan/uploaded-references.ts";
import type { Store } from "../store/store.ts";
import { commitOf } from "./folder-commit.ts";

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
  const problems = uploadedReferenceProblems(state.uploadedScopeReferences, current, plan);
  if (problems.length > 0) throw new InputError(problems);
  return commit ? { plan, commit } : { plan };
}
