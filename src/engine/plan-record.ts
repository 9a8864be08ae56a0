/**
 * Plan records: a fresh `scopectl plan` or `apply` of a folder that nothing has changed since its last
 * plan or apply answers "no changes" without parsing a file (issue 18: the drift check a cron job or a
 * CI pipeline runs, `plan --detailed-exitcode`, in a new process every time).
 *
 * A plan is a pure function of the files it reads, the environment variables it reads (secrets named
 * by `fromEnv`), the store's rows and import history, the options (manager, `--take-over`, how files
 * are named) and the code that plans (plan/plan.ts). A record keeps a digest of each, and the plan they
 * gave when it had no changes and no conflicts; it answers only while every digest still matches:
 *   - the inputs: every folder walked finds the same files, each file at the same real path with the
 *     same bytes (manifest/inputs.ts); a load that read what it cannot vouch for is not recorded;
 *   - the environment: the same values (by SHA-256) of the variables the plan read;
 *   - the store: the revision and the count of row writes to the tables a plan reads, which triggers in
 *     the schema keep (store/plan-records.ts), so a write by any means, even a hand edit in SQL, is seen;
 *   - the code: the version and a digest of the running modules (code-identity.ts).
 * Who can write a record can write the rows it vouches for, so a record adds no one who can change
 * what a plan says. Records are written by a plan that found nothing to do and by an apply (which
 * leaves the store as its plan's desired state: a plan after it has no changes, which the tests check
 * against a full plan); `--recompute` plans in full whatever the record says.
 *
 * The count a record names is the one the plan read its rows at (read before and after them, equal
 * both times: engine/plan-folder.ts), so a write landing after the read only makes the record stale.
 * An apply's record names the count read straight after its commit: a hand edit landing in that gap
 * (one read of one row, on the same connection as every read) would be counted as applied. Such a
 * writer can rewrite the record as well.
 */
import { sha256Hex } from "../core/secrets.ts";
import { InputLedger, inputsUnchanged, type RecordedInputs } from "../manifest/index.ts";
import type { ManagedBy } from "../model/resources.ts";
import type { LeftAlone, Plan } from "../plan/types.ts";
import { type RowsVersion, sameRowsVersion } from "../store/plan-records.ts";
import type { Store } from "../store/store.ts";
import { codeIdentity } from "./code-identity.ts";

const FORMAT = 1;

/** What a record holds (JSON in the store's plan_records, one per manager). */
interface PlanRecord {
  format: typeof FORMAT;
  code: string;
  managedBy: ManagedBy;
  root: string;
  displayBase: string;
  takeOver: boolean;
  inputs: RecordedInputs;
  /** The variables the plan read, with the SHA-256 of each value (null: unset). */
  env: Array<[string, string | null]>;
  /** The store's rows as the plan read them (or the apply left them). */
  store: RowsVersion;
  /** What the plan left alone: the only part of a plan without changes that is not empty. */
  leftAlone: LeftAlone[];
}

/** What a plan of a folder is keyed by, besides its inputs. */
export interface RecordScope {
  root: string;
  displayBase: string;
  takeOver: boolean;
  managedBy: ManagedBy;
}

function envDigest(value: string | undefined): string | null {
  return value === undefined ? null : sha256Hex(value);
}

/** An environment that remembers which variables were read (desired-resources.ts reads `fromEnv`). */
export function watchedEnv(env: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  read: Map<string, string | null>;
} {
  const read = new Map<string, string | null>();
  const watched = new Proxy(env, {
    get(target, name) {
      const value = Reflect.get(target, name) as string | undefined;
      if (typeof name === "string") read.set(name, envDigest(value));
      return value;
    },
  });
  return { env: watched, read };
}

/**
 * The plan the store's record gives for this folder now, or undefined when there is none or any of
 * its digests no longer matches (then plan in full). The cheap checks come first, the files last.
 */
export async function recordedPlan(store: Store, scope: RecordScope): Promise<Plan | undefined> {
  // Any doubt is a full plan: a record that cannot be read (a database user without the table's grant)
  // or checked is as good as none.
  try {
    return await answerOf(store, scope);
  } catch {
    return undefined;
  }
}

async function answerOf(store: Store, scope: RecordScope): Promise<Plan | undefined> {
  const text = await store.planRecord(scope.managedBy);
  if (text === undefined) return undefined;
  let record: PlanRecord;
  try {
    record = JSON.parse(text) as PlanRecord;
  } catch {
    return undefined;
  }
  if (
    record.format !== FORMAT ||
    record.root !== scope.root ||
    record.displayBase !== scope.displayBase ||
    record.takeOver !== scope.takeOver ||
    record.managedBy !== scope.managedBy ||
    record.code !== (await codeIdentity())
  )
    return undefined;
  if (record.env.some(([name, digest]) => envDigest(process.env[name]) !== digest)) return undefined;
  const rows = await store.rowsVersion();
  if (!sameRowsVersion(rows, record.store)) return undefined;
  if (!(await inputsUnchanged(record.inputs))) return undefined;
  return {
    formatVersion: 1,
    revision: rows.revision,
    createdAt: new Date().toISOString(),
    managedBy: scope.managedBy,
    changes: [],
    leftAlone: record.leftAlone,
    conflicts: [],
    summary: { create: 0, update: 0, replace: 0, delete: 0 },
  };
}

/** What a full plan read, to record once it is known to have no changes (or has been applied). */
export interface PendingRecord {
  scope: RecordScope;
  ledger: InputLedger;
  env: Map<string, string | null>;
}

export function startRecording(scope: RecordScope, env: NodeJS.ProcessEnv) {
  const watched = watchedEnv(env);
  const pending: PendingRecord = { scope, ledger: new InputLedger(), env: watched.read };
  return { pending, env: watched.env };
}

/**
 * Keeps a record that the folder's plan against the store's rows at `rows` has no changes and leaves
 * `leftAlone` alone. `rows` is the version the plan read its rows at (read before and after them), or
 * the one an apply's commit left (read straight after it). Not kept when the store has moved past
 * `rows` since (a record of it could never answer), or when the load read what the ledger cannot
 * vouch for. Never fails the command: a store that refuses the write (read-only, locked) only goes
 * without a record.
 */
export async function keepRecord(
  store: Store,
  pending: PendingRecord,
  rows: RowsVersion,
  leftAlone: LeftAlone[],
): Promise<boolean> {
  try {
    const read = await pending.ledger.recorded();
    if (!("inputs" in read)) return false;
    const now = await store.rowsVersion();
    if (!sameRowsVersion(now, rows)) return false;
    const record: PlanRecord = {
      format: FORMAT,
      code: await codeIdentity(),
      ...pending.scope,
      inputs: read.inputs,
      env: [...pending.env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      store: rows,
      leftAlone,
    };
    await store.savePlanRecord(pending.scope.managedBy, JSON.stringify(record));
    return true;
  } catch {
    return false;
  }
}

/** A plan with nothing to apply: what a record may say. */
export function hasNothingToDo(plan: Plan): boolean {
  return plan.changes.length === 0 && plan.conflicts.length === 0;
}
