/**
 * Apply: run a plan's changes through the resource providers in one store transaction. The transaction
 * holds the store's write lock, checks that the store is still at the revision the plan was made
 * against, and either commits everything (one new revision, audit rows, import history) or nothing.
 */

import { ScopectlError } from "../core/errors.ts";
import type { OpenApiSourceProps, ResourceKind } from "../model/resources.ts";
import { conflictsSentence } from "../plan/applicability.ts";
import type { Plan, PlanChange } from "../plan/types.ts";
import { createProvider, type ResourceState } from "../providers/provider.ts";
import type { OneTimeSecret, ProviderSession } from "../providers/types.ts";
import { recordSourceImport } from "../store/import-records.ts";
import type { StoreTransaction, WriteContext } from "../store/resources.ts";
import type { Store } from "../store/store.ts";

export interface ApplyResult {
  /** The revision the store is at after the apply. */
  revision: number;
  /** Secrets made by creates: to be shown once, after the commit succeeded. */
  secrets: OneTimeSecret[];
}

export class PlanConflictError extends ScopectlError {
  static readonly code = "plan.conflict";
  declare readonly code: typeof PlanConflictError.code;

  constructor(plan: Plan) {
    // The same sentence a saved plan file records as its blocker (plan/applicability.ts).
    super(PlanConflictError.code, conflictsSentence(plan));
    this.name = "PlanConflictError";
  }
}

const state = <K extends ResourceKind>(id: string, props: unknown): ResourceState<K> => ({
  resourceId: id,
  props: props as ResourceState<K>["props"],
});

async function recordImport(tx: StoreTransaction, change: PlanChange): Promise<void> {
  if (change.kind !== "OpenApiSource" || !change.importLog) return;
  const before = change.before as OpenApiSourceProps | undefined;
  const after = change.after as OpenApiSourceProps | undefined;
  await recordSourceImport(tx, change.id, before, after, change.importLog);
}

/** Runs one change through its provider and records its import: the one write path of applies and the management API. */
export async function applyChange(session: ProviderSession, change: PlanChange): Promise<void> {
  const provider = createProvider(change.kind, session);
  switch (change.action) {
    case "create":
      await provider.create(state(change.id, change.after));
      break;
    case "update":
      await provider.update?.(change.id, state(change.id, change.before), state(change.id, change.after));
      break;
    case "delete":
      await provider.delete?.(change.id, state(change.id, change.before));
      break;
    case "replace": {
      // The old row goes first: a replaced resource keeps its id (or takes a renamed scope's new one).
      const oldId = change.replacesId ?? change.id;
      await provider.delete?.(oldId, state(oldId, change.before));
      await provider.create(state(change.id, change.after));
      break;
    }
  }
  await recordImport(session.tx, change);
}

export async function applyPlan(store: Store, plan: Plan, ctx: WriteContext): Promise<ApplyResult> {
  if (plan.conflicts.length > 0) throw new PlanConflictError(plan);
  const secrets: OneTimeSecret[] = [];
  const { revision } = await store.transaction(
    async (tx) => {
      const session: ProviderSession = { tx, ctx, onSecret: (secret) => secrets.push(secret) };
      for (const change of plan.changes) await applyChange(session, change);
    },
    { ctx, expectedRevision: plan.revision, summary: { ...plan.summary } },
  );
  return { revision, secrets };
}
