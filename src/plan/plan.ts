/**
 * makePlan: the desired resources (from the manifests) against the store's rows → the ordered changes
 * an apply runs, with field diffs, impact and OpenAPI import logs. Pure: the same input gives the same
 * plan (but for `createdAt`), which is what makes a saved plan reviewable and a no-op re-plan empty.
 *
 * Ownership (docs/architecture.md#the-store-and-who-owns-each-row: a driver prunes only what it manages):
 *   - only rows whose `managedBy` is ours are updated, replaced or deleted;
 *   - rows someone else manages that the manifests do not mention are left alone, and listed;
 *   - a resource the manifests declare whose row someone else manages is a conflict: the plan says so
 *     and the engine refuses to apply it, rather than silently taking the row over;
 *   - but rows written over the management API (`api:<client>`) give way to the manifests: declared,
 *     they are taken over (noted in the plan); scopes uploads generated are left alone while their
 *     OpenApiSource takes uploads, and go with a source that reads a file again, or is removed.
 */
import equal from "fast-deep-equal";
import type { DesiredState } from "../model/desired.ts";
import {
  type CommitInfo,
  isHttpManaged,
  isUploadSource,
  type ManagedBy,
  type OpenApiSourceProps,
  RESOURCE_KINDS,
  type Resource,
  type ResourceKind,
  resourceKey,
  type ScopeProps,
  type StoredResource,
} from "../model/resources.ts";
import type { ImportRecord } from "../store/resources.ts";
import { compareStrings } from "./desired-resources.ts";
import { diffProps } from "./diff.ts";
import { HoldingsIndex, narrowingImpact, scopeDeletionImpact } from "./impact.ts";
import { importLogFor } from "./import-log.ts";
import { ownerMoveNote } from "./owners.ts";
import { type PlanMemo, rowsByKey } from "./plan-memo.ts";
import { findRenames } from "./renames.ts";
import { replacementFields, replacementNote } from "./replace-rules.ts";
import type { LeftAlone, Plan, PlanChange, PlanConflict, PlanSummary } from "./types.ts";

export type * from "./types.ts";

export interface PlanInput {
  desired: Resource[];
  current: StoredResource[];
  /** The store's import history (newest first), to name where an already generated scope came from. */
  imports?: ImportRecord[];
  /** The store revision `current` was read at. */
  revision: number;
  commit?: CommitInfo;
  /** Who this plan manages rows as: rows of other managers are never changed. */
  managedBy: ManagedBy;
  /** The loaded manifests: needed for the per-operation OpenAPI import logs. */
  desiredState?: DesiredState;
  /** The plan's timestamp (tests pin it). */
  now?: Date;
  /**
   * Declared rows that another manager holds become ours (an update that changes their manager)
   * instead of conflicts: `--take-over`, an explicit decision by the operator.
   */
  takeOver?: boolean;
  /** A re-plan's earlier comparisons (plan-memo.ts): the same pair of frozen rows is not compared again. */
  memo?: PlanMemo;
}

const kindIndex = (kind: ResourceKind): number => RESOURCE_KINDS.indexOf(kind);

/**
 * Where uploads go after this plan (docs/management-api.md#who-owns-a-row): every OpenApiSource with
 * `upload: true` that the manifests declare or another manager (a Pulumi stack) holds, by Api.
 */
function uploadSourcesAfter(
  desired: readonly Resource[],
  current: readonly StoredResource[],
  managedBy: ManagedBy,
) {
  const byApi = new Map<string, string>();
  for (const r of desired)
    if (r.kind === "OpenApiSource" && isUploadSource(r.props)) byApi.set(r.props.api, r.id);
  for (const r of current) {
    if (r.kind !== "OpenApiSource" || r.managedBy === managedBy || !isUploadSource(r.props)) continue;
    if (!byApi.has(r.props.api)) byApi.set(r.props.api, r.id);
  }
  return byApi;
}

/**
 * The upload source a generated Scope row belongs to after this plan, if any: the one it names, or, for
 * a row an upload wrote, its Api's upload source under whatever name it has now (a source renamed in git
 * keeps its uploads until the next one replaces them).
 */
function uploadSourceOf(row: StoredResource, uploadSources: ReadonlyMap<string, string>): string | undefined {
  if (row.kind !== "Scope" || row.props.origin !== "openapi") return undefined;
  const source = uploadSources.get(row.props.api);
  if (source === undefined) return undefined;
  return row.props.source === source || isHttpManaged(row.managedBy) ? source : undefined;
}

/**
 * A Scope an API client wrote that git now owns the fate of: one uploads generated whose Api takes no
 * uploads any more (its source reads a file, or is gone), or any whose Api does not outlive this plan.
 * A manual scope written over HTTP on a surviving Api stays.
 */
function isOrphanedHttpRow(row: StoredResource, apiSurvives: (api: string) => boolean): boolean {
  if (!isHttpManaged(row.managedBy) || row.kind !== "Scope") return false;
  return row.props.origin === "openapi" || !apiSurvives(row.props.api);
}

/**
 * Creates, updates and replaces run parents first, so that everything a row refers to exists when it is
 * written; deletes run after them, children first, so that every reference to a row is gone (updated
 * away or deleted) before the row itself goes. No step of the transaction sees a dangling reference.
 */
export function orderChanges(changes: PlanChange[]): PlanChange[] {
  const byId = (a: PlanChange, b: PlanChange) => compareStrings(a.id, b.id);
  const writes = changes
    .filter((c) => c.action !== "delete")
    .sort((a, b) => kindIndex(a.kind) - kindIndex(b.kind) || byId(a, b));
  const deletes = changes
    .filter((c) => c.action === "delete")
    .sort((a, b) => kindIndex(b.kind) - kindIndex(a.kind) || byId(a, b));
  return [...writes, ...deletes];
}

function conflictMessage(kind: ResourceKind, id: string, owner: ManagedBy, managedBy: ManagedBy): string {
  return `${kind} "${id}" is declared in the manifests but managed by "${owner}", not "${managedBy}"; remove it from the manifests, or apply with --take-over to manage it from here`;
}

/** Compares one desired resource with its row (ours): a replace, an update, or nothing. */
function compare(desired: Resource, row: StoredResource): PlanChange | undefined {
  // Nearly every row of a re-plan is unchanged: equal props can have no diff and force no replacement,
  // and a comparison is several times cheaper than building the field diff to find it empty. Props are
  // JSON data, for which fast-deep-equal answers as util.isDeepStrictEqual does (but that 0 and -0 are
  // equal, as in JSON text), in about 60% of its time.
  if (equal(row.props, desired.props)) return undefined;
  const { kind, id } = desired;
  const forces = replacementFields(kind, row.props, desired.props);
  const diff = diffProps(kind, row.props, desired.props, { forcesReplacement: new Set(forces) });
  const base = { kind, id, before: row.props, after: desired.props, diff };
  if (forces.length > 0) {
    const note = replacementNote(kind, desired.props);
    return { action: "replace", ...base, ...(note ? { note } : {}) };
  }
  if (diff.length === 0) return undefined;
  const note =
    kind === "Scope" ? ownerMoveNote(row.props as ScopeProps, desired.props as ScopeProps) : undefined;
  return { action: "update", ...base, ...(note ? { note } : {}) };
}

/** A removed manual scope and an added one that are a rename become one replace (see renames.ts). */
function mergeRenames(changes: PlanChange[]): PlanChange[] {
  const scopes = (action: PlanChange["action"]) =>
    changes
      .filter((c) => c.kind === "Scope" && c.action === action)
      .map((c) => ({ id: c.id, props: (c.after ?? c.before) as ScopeProps }));
  const renames = findRenames(scopes("create"), scopes("delete"));
  if (renames.length === 0) return changes;

  const created = new Map(
    changes.filter((c) => c.kind === "Scope" && c.action === "create").map((c) => [c.id, c]),
  );
  const deleted = new Map(
    changes.filter((c) => c.kind === "Scope" && c.action === "delete").map((c) => [c.id, c]),
  );
  const merged = new Set<PlanChange>();
  const out: PlanChange[] = [];
  for (const { from, to } of renames) {
    const gone = deleted.get(from);
    const come = created.get(to);
    if (!gone?.before || !come?.after) continue;
    merged.add(gone).add(come);
    out.push({
      action: "replace",
      kind: "Scope",
      id: to,
      // The engine deletes this id, then creates `id`.
      replacesId: from,
      before: gone.before,
      after: come.after,
      diff: diffProps("Scope", gone.before, come.after, { forcesReplacement: new Set(["name"]) }),
      note: `renamed from ${from}`,
    });
  }
  return [...changes.filter((c) => !merged.has(c)), ...out];
}

function addImpact(changes: PlanChange[], current: readonly StoredResource[]): void {
  // Each part of the index is built when a change first asks for it (impact.ts).
  const index = new HoldingsIndex(current);
  for (const change of changes) {
    if (change.action === "create" || !change.before) continue;
    const impact =
      change.kind === "Scope"
        ? change.action === "update"
          ? undefined // only a description or an owner moves: nobody loses the scope
          : scopeDeletionImpact(index, change.replacesId ?? change.id)
        : narrowingImpact(index, change.kind, change.id, change.before, change.after);
    if (impact) change.impact = impact;
  }
}

function addImportLogs(changes: PlanChange[], input: PlanInput): void {
  const currentScopes = new Map<string, ScopeProps>();
  for (const row of input.current) if (row.kind === "Scope") currentScopes.set(row.id, row.props);
  const deletedScopeIds = new Set<string>();
  for (const c of changes) {
    if (c.kind !== "Scope") continue;
    if (c.action === "delete") deletedScopeIds.add(c.id);
    if (c.action === "replace") deletedScopeIds.add(c.replacesId ?? c.id);
  }
  const ctx = {
    currentScopes,
    deletedScopeIds,
    ...(input.desiredState ? { desiredState: input.desiredState } : {}),
    ...(input.imports ? { imports: input.imports } : {}),
  };
  for (const change of changes) {
    if (change.kind !== "OpenApiSource") continue;
    const log = importLogFor(
      {
        action: change.action,
        id: change.id,
        ...(change.before ? { before: change.before as OpenApiSourceProps } : {}),
        ...(change.after ? { after: change.after as OpenApiSourceProps } : {}),
      },
      ctx,
    );
    if (log) change.importLog = log;
  }
}

function summarize(changes: readonly PlanChange[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of changes) summary[change.action] += 1;
  return summary;
}

export function makePlan(input: PlanInput): Plan {
  const { desired, current, managedBy, memo } = input;
  const rows = memo ? memo.rowsByKey(current) : rowsByKey(current);

  let changes: PlanChange[] = [];
  const conflicts: PlanConflict[] = [];
  const declared = new Set<string>();

  for (const resource of desired) {
    const key = resourceKey(resource.kind, resource.id);
    // desiredResources never repeats a key; two would make the plan depend on list order.
    if (declared.has(key)) throw new Error(`${resource.kind} "${resource.id}" is declared twice`);
    declared.add(key);
    const row = rows.get(key);
    if (!row) {
      const { kind, id, props } = resource;
      changes.push({ action: "create", kind, id, after: props, diff: diffProps(kind, undefined, props) });
    } else if (row.managedBy !== managedBy && (input.takeOver || isHttpManaged(row.managedBy))) {
      // Rows written over the management API give way to what the manifests declare: the config
      // repository decides who may upload (docs/management-api.md#who-owns-a-row).
      const change = compare(resource, row) ?? {
        action: "update" as const,
        kind: resource.kind,
        id: resource.id,
        before: row.props,
        after: resource.props,
        diff: [],
      };
      const note = `taken over from ${JSON.stringify(row.managedBy)}`;
      changes.push({ ...change, note: change.note ? `${change.note}; ${note}` : note });
    } else if (row.managedBy !== managedBy) {
      const { kind, id } = resource;
      conflicts.push({
        kind,
        id,
        managedBy: row.managedBy,
        message: conflictMessage(kind, id, row.managedBy, managedBy),
      });
    } else if (!memo?.knownEqual(resource, row)) {
      const change = compare(resource, row);
      if (change) changes.push(change);
      else memo?.noteEqual(resource, row);
    }
  }

  const uploadSources = uploadSourcesAfter(desired, current, managedBy);
  const apiRows = new Map(current.filter((r) => r.kind === "Api").map((r) => [r.id, r]));
  const apiSurvives = (api: string) =>
    declared.has(resourceKey("Api", api)) || (apiRows.get(api)?.managedBy ?? managedBy) !== managedBy;
  const leftAlone: LeftAlone[] = [];
  for (const row of current) {
    if (declared.has(resourceKey(row.kind, row.id))) continue;
    const { kind, id } = row;
    const uploadedTo = uploadSourceOf(row, uploadSources);
    if (uploadedTo !== undefined) {
      const reason = `generated by uploads to OpenApiSource ${uploadedTo}`;
      leftAlone.push({ kind, id, managedBy: row.managedBy, reason });
    } else if (row.managedBy === managedBy || isOrphanedHttpRow(row, apiSurvives)) {
      const change: PlanChange = {
        action: "delete",
        kind,
        id,
        before: row.props,
        diff: diffProps(kind, row.props, undefined),
      };
      if (row.managedBy !== managedBy) {
        const why = apiSurvives((row.props as ScopeProps).api)
          ? "its OpenApiSource no longer takes uploads"
          : "its Api is removed";
        change.note = `taken over from ${JSON.stringify(row.managedBy)}: ${why}`;
      }
      changes.push(change);
    } else {
      leftAlone.push({ kind, id, managedBy: row.managedBy });
    }
  }

  changes = orderChanges(mergeRenames(changes));
  addImpact(changes, current);
  addImportLogs(changes, input);

  const byKindThenId = (a: { kind: ResourceKind; id: string }, b: { kind: ResourceKind; id: string }) =>
    kindIndex(a.kind) - kindIndex(b.kind) || compareStrings(a.id, b.id);

  return {
    formatVersion: 1,
    revision: input.revision,
    ...(input.commit ? { commit: input.commit } : {}),
    createdAt: (input.now ?? new Date()).toISOString(),
    managedBy,
    changes,
    leftAlone: leftAlone.sort(byKindThenId),
    conflicts: conflicts.sort(byKindThenId),
    summary: summarize(changes),
  };
}
