/**
 * Reconcile: plan a folder (or take a plan made earlier), refuse what cannot be applied, and apply the
 * rest in one store transaction. `scopectl apply`, `scopectl up` and the git sync loop (its commits and
 * its self-heal) all go through here, so the order of the steps is written once. The order matters most
 * for the generated secrets: they are shown nowhere else, so their destination is opened BEFORE the
 * confirmation and the transaction, and a destination that cannot take them stops the apply before any
 * secret is made.
 *
 * What differs between the callers comes in as options (how the plan is shown and vetted, whether a
 * person confirms, where the secrets go, who is recorded). A refusal comes back as an outcome rather
 * than an error, because each caller words it its own way: the CLI prints one sentence, the sync loop
 * keeps every conflict in its status.
 */
import { type CommitInfo, RECONCILER } from "../model/resources.ts";
import type { PlanBlocker } from "../plan/applicability.ts";
import type { Plan } from "../plan/types.ts";
import type { OneTimeSecret } from "../providers/types.ts";
import type { Store } from "../store/store.ts";
import { applyPlan } from "./apply.ts";
import { type PlanFolderOptions, type PlannedFolder, planFolder } from "./plan-folder.ts";
import { keepRecord } from "./plan-record.ts";

/**
 * What to reconcile: a folder of manifests, planned now against the store, or a plan made earlier (a
 * saved plan file, or the sync loop's drift plan) with what it says stops it from being applied.
 */
export type ReconcileSource =
  | ({ folder: string } & PlanFolderOptions)
  | { plan: Plan; blockers?: readonly PlanBlocker[] };

/** An opened destination for generated secrets (a file, the terminal, the sync loop's sink). */
export interface SecretsSink {
  write(secrets: OneTimeSecret[]): Promise<void>;
  close(): Promise<void>;
}

export interface ReconcileOptions {
  /** Who applies, for the audit rows. */
  actor: string;
  /** The commit the revision records. Default: the commit the plan was made from (if any). */
  commit?: CommitInfo;
  /**
   * Sees every plan first, whatever comes next: to show it, or to refuse it by throwing (apply's
   * uncommitted-changes check). Nothing has been written when it runs.
   */
  review?(planned: PlannedFolder): void | Promise<void>;
  /**
   * Opens where the generated secrets go. Called only when there are changes, before `confirm` and
   * the transaction; if it throws, the outcome is `secrets-unavailable` and nothing is applied.
   * Without it the secrets are only returned.
   */
  openSecrets?(): Promise<SecretsSink>;
  /** Asked last, with the destination of the secrets open; false cancels (nothing is applied). */
  confirm?(plan: Plan): Promise<boolean>;
  /** Called as soon as the transaction committed, before the secrets are written. */
  onApplied?(applied: { revision: number } & PlannedFolder): void;
}

/**
 * The outcome. `applied`: the store moved to `revision`; `secretsError` is set when the secrets could
 * not be written afterwards (the apply stands: a commit cannot be undone, and the caller must say the
 * secrets are lost). `unchanged`: nothing to do. The others are refusals, nothing written:
 * `conflicts` (declared rows another manager holds), `blocked` (a plan made earlier says it cannot be
 * applied), `secrets-unavailable` (openSecrets failed), `cancelled` (confirm said no).
 */
export type ReconcileResult = PlannedFolder &
  (
    | { outcome: "applied"; revision: number; secrets: OneTimeSecret[]; secretsError?: { error: unknown } }
    | { outcome: "unchanged" }
    | { outcome: "conflicts" }
    | { outcome: "blocked"; blockers: readonly PlanBlocker[] }
    | { outcome: "secrets-unavailable"; error: unknown }
    | { outcome: "cancelled" }
  );

async function planOf(store: Store, source: ReconcileSource): Promise<PlannedFolder> {
  if ("folder" in source) return planFolder(store, source.folder, source);
  return source.plan.commit ? { plan: source.plan, commit: source.plan.commit } : { plan: source.plan };
}

export async function reconcile(
  store: Store,
  source: ReconcileSource,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const planned = await planOf(store, source);
  await options.review?.(planned);
  const { plan } = planned;
  if (plan.conflicts.length > 0) return { ...planned, outcome: "conflicts" };
  const blockers = "plan" in source ? (source.blockers ?? []) : [];
  if (blockers.length > 0) return { ...planned, outcome: "blocked", blockers };
  if (plan.changes.length === 0) return { ...planned, outcome: "unchanged" };

  let sink: SecretsSink | undefined;
  try {
    sink = await options.openSecrets?.();
  } catch (error) {
    return { ...planned, outcome: "secrets-unavailable", error };
  }
  try {
    if (options.confirm && !(await options.confirm(plan))) return { ...planned, outcome: "cancelled" };
    const commit = options.commit ?? planned.commit;
    const { revision, secrets } = await applyPlan(store, plan, {
      actor: options.actor,
      managedBy: RECONCILER,
      ...(commit ? { commit } : {}),
    });
    // The rows as the commit left them, read before anything else can run: what the record names.
    const leftAt = planned.pending ? await store.rowsVersion().catch(() => undefined) : undefined;
    options.onApplied?.({ ...planned, revision });
    const result = { ...planned, outcome: "applied" as const, revision, secrets };
    let secretsError: { error: unknown } | undefined;
    if (sink && secrets.length > 0)
      await sink.write(secrets).catch((error: unknown) => (secretsError = { error }));
    // After the secrets, which exist nowhere else: the record only saves the next plan its work.
    if (planned.pending && leftAt?.revision === revision)
      await keepRecord(store, planned.pending, leftAt, plan.leftAlone);
    return secretsError ? { ...result, secretsError } : result;
  } finally {
    await sink?.close();
  }
}
