/**
 * The import log of an OpenApiSource change (docs/openapi.md), recorded in the store's
 * import history on apply. The loader's log (DesiredOpenApiSource.log) is the spec's own view: it knows
 * the manual scopes of the manifests, not what the store holds. Here it meets the store:
 *   - first import (create): an operation whose scope the store already has for that Api (manual, or
 *     generated earlier) is a duplicate, not a creation;
 *   - replacement import (update, the file's SHA-256 changed): the same, plus `removed` for each scope the
 *     previous import generated that this plan deletes (a scope that now is manual is kept, not removed);
 *   - deletion: `removed` for each scope the source generated that this plan deletes; manual scopes are
 *     never touched;
 *   - a source switched to `upload: true` imports nothing (its uploads do: engine/management-writes/).
 * An upload is logged by the same two functions, againstStore and removals.
 */
import type { DesiredState } from "../model/desired.ts";
import { isUploadSource, type OpenApiSourceProps, type ScopeProps } from "../model/resources.ts";
import type { ImportLogEntry, Operation } from "../model/spec-import.ts";
import type { ImportLogItem, ImportRecord } from "../store/resources.ts";
import { compareStrings, scopeId } from "./desired-resources.ts";
import type { PlanAction } from "./types.ts";

export interface ImportLogContext {
  /** The loaded manifests: the per-operation log comes from there. Without it, only removals are logged. */
  desiredState?: DesiredState;
  /** Scope rows the store holds today, by id. */
  currentScopes: ReadonlyMap<string, ScopeProps>;
  /** Scope ids this plan deletes (or replaces away). */
  deletedScopeIds: ReadonlySet<string>;
  /** The store's import history (newest first): names the operation a generated duplicate came from. */
  imports?: readonly ImportRecord[];
}

export interface SourceChange {
  action: PlanAction;
  id: string;
  before?: OpenApiSourceProps;
  after?: OpenApiSourceProps;
}

/** The operation of an earlier import that created `scope`, if the history says. */
function previousOperation(
  ctx: ImportLogContext,
  source: string | undefined,
  scope: string,
): Operation | undefined {
  for (const record of ctx.imports ?? []) {
    if (record.source !== source) continue;
    for (const item of record.log) {
      if (item.action === "created" && item.scope === scope) return { method: item.method, path: item.path };
    }
  }
  return undefined;
}

/** The loader said "created": the store may already have the scope, which makes it a duplicate. */
export function againstStore(ctx: ImportLogContext, api: string, entry: ImportLogEntry): ImportLogEntry {
  if (entry.action !== "created") return entry;
  const existing = ctx.currentScopes.get(scopeId(api, entry.scope));
  if (!existing) return entry;
  const { method, path } = entry;
  const duplicateOf: Operation | { manual: true } =
    existing.origin === "manual"
      ? { manual: true }
      : // Generated before: by the operation the history names, else by this same operation.
        (previousOperation(ctx, existing.source, entry.scope) ?? { method, path });
  return { action: "duplicate", scope: entry.scope, duplicateOf, method, path };
}

function operations(ctx: ImportLogContext, source: string, api: string): ImportLogItem[] | undefined {
  const desired = ctx.desiredState?.openApiSources.get(source);
  if (!desired) return undefined;
  return desired.log.map((entry) => againstStore(ctx, api, entry));
}

/** Scopes `source` generated for `api` that this plan deletes, by name. */
export function removals(ctx: ImportLogContext, source: string, api: string): ImportLogItem[] {
  const out: ImportLogItem[] = [];
  for (const [id, scope] of ctx.currentScopes) {
    if (scope.origin !== "openapi" || scope.source !== source || scope.api !== api) continue;
    if (ctx.deletedScopeIds.has(id)) out.push({ action: "removed", scope: scope.name });
  }
  return out.sort((a, b) => compareStrings(a.scope, b.scope));
}

/** The log of an OpenApiSource change, or undefined when the change imports nothing. */
export function importLogFor(change: SourceChange, ctx: ImportLogContext): ImportLogItem[] | undefined {
  const { action, id, before, after } = change;
  switch (action) {
    case "create":
      return after ? operations(ctx, id, after.api) : undefined;
    case "update":
    case "replace": {
      if (!before || !after) return undefined;
      // A source switched to uploads reads no file: the first upload is its next import.
      if (isUploadSource(after)) return undefined;
      // Same file content, same scopes: a moved path or a re-read is not an import.
      if (action === "update" && !isUploadSource(before) && before.file.sha256 === after.file.sha256) {
        return undefined;
      }
      // An empty log is still a log: the history must record that this file replaced the last one.
      const ops = operations(ctx, id, after.api);
      const removed = removals(ctx, id, before.api);
      if (!ops && removed.length === 0) return undefined;
      return [...(ops ?? []), ...removed];
    }
    case "delete":
      return before ? removals(ctx, id, before.api) : undefined;
  }
}
