/**
 * Upload, replace and delete an Api's OpenAPI import over the management API: the same import
 * (openapi/: parser, checks, naming), the same log (plan/import-log.ts: duplicates against the store,
 * removals) and the same rows as a spec file from git would give; only the rows' manager differs
 * (`api:<client id>`). The decision is made from what the store holds: once for the answer (and a dry
 * run), and again inside the write's transaction, so that two uploads at once serialize and the second
 * is decided against the first's rows.
 */
import { InputError } from "../../model/diagnostics.ts";
import { isManagementPermission, type ManagementPermission } from "../../model/management.ts";
import { isReservedScopeName } from "../../model/names.ts";
import {
  isHttpManaged,
  isUploadSource,
  type ScopeProps,
  type StoredResource,
} from "../../model/resources.ts";
import type { SpecFileInfo } from "../../model/spec-import.ts";
import type { SpecImport } from "../../openapi/types.ts";
import { scopeId } from "../../plan/desired-resources.ts";
import { diffProps } from "../../plan/diff.ts";
import { againstStore, type ImportLogContext, removals } from "../../plan/import-log.ts";
import type { PlanChange } from "../../plan/types.ts";
import type { ImportLogItem, ImportRecord, StoreReader } from "../../store/resources.ts";
import type { Store } from "../../store/store.ts";
import { applyChange } from "../apply.ts";
import { type ManagementActor, writeContextOf } from "./actor.ts";
import { ManagementConflictError, ManagementNotFoundError } from "./errors.ts";
import { requireLivePermissions } from "./live-permissions.ts";
import { type ApiRows, ownerOf, readApi, refuseHeldRemovals } from "./rows.ts";

/** What an import call answers: the import record (with the revision it made, or null). */
export interface ImportAnswer {
  dryRun: boolean;
  /** False when the call would change nothing (the active file uploaded again). */
  changed: boolean;
  import: {
    source: string;
    api: string;
    action: ImportRecord["action"];
    file: SpecFileInfo;
    revision: number | null;
    log: ImportLogItem[];
  };
}

interface Decision {
  changes: PlanChange[];
  record: Omit<ImportRecord, "id" | "revision" | "time">;
  changed: boolean;
}

const UPLOAD: ManagementPermission[] = ["create:api_scopes", "update:apis"];
const REPLACE: ManagementPermission[] = ["create:api_scopes", "update:apis", "delete:api_scopes"];
const DELETE: ManagementPermission[] = ["update:apis", "delete:api_scopes"];

/** The Api's OpenApiSource, which must take uploads: 404 without one, 409 for one that reads a file. */
function uploadSourceOf(rows: ApiRows): StoredResource<"OpenApiSource"> {
  const { source, api } = rows;
  if (!source) {
    throw new ManagementNotFoundError(
      `Api "${api.id}" has no OpenApiSource that takes uploads; declare one with "upload: true" in the config repository`,
    );
  }
  if (!isUploadSource(source.props)) {
    throw new ManagementConflictError(
      `Api "${api.id}" takes its spec from the file ${source.props.file.path} (OpenApiSource "${source.id}", managed by ${ownerOf(source, rows)}); change that file in the config repository, or declare the source with "upload: true"`,
    );
  }
  return source;
}

/** The active import among a source's history (newest first): its newest record, unless a deletion. */
function activeOf(imports: readonly ImportRecord[]): ImportRecord | undefined {
  const [latest] = imports;
  return latest && latest.action !== "delete" ? latest : undefined;
}

function logContext(rows: ApiRows, deleted: ReadonlySet<string>, imports: ImportRecord[]): ImportLogContext {
  const currentScopes = new Map<string, ScopeProps>(rows.scopes.map((r) => [r.id, r.props]));
  return { currentScopes, deletedScopeIds: deleted, imports };
}

/**
 * The scopes an import of `source` owns: those it generated, and any an upload generated for this Api
 * under an earlier name of its source (an Api has one source; git may rename it).
 */
const generatedBy = (rows: ApiRows, source: string) =>
  rows.scopes.filter(
    (r) => r.props.origin === "openapi" && (r.props.source === source || isHttpManaged(r.managedBy)),
  );

/** A spec that would generate a management permission is refused, as resolve/openapi-sources.ts does. */
function refusePermissionNames(imported: SpecImport): void {
  const permissions = imported.scopes.filter((s) => isManagementPermission(s.name));
  if (permissions.length === 0) return;
  throw new InputError(
    permissions.map((s) => ({
      file: imported.file.path,
      message: `the spec generates "${s.name}" (${s.method.toUpperCase()} ${s.path}), a permission of the built-in management API; only the management Api may define it`,
    })),
  );
}

async function decideUpload(
  reader: StoreReader,
  actor: ManagementActor,
  apiName: string,
  imported: SpecImport,
): Promise<Decision> {
  const rows = await readApi(reader, apiName);
  const source = uploadSourceOf(rows);
  const imports = await reader.imports(source.id);
  const active = activeOf(imports);
  requireLivePermissions(rows.all, actor, active ? REPLACE : UPLOAD);
  refusePermissionNames(imported);

  const mine = new Map(generatedBy(rows, source.id).map((r) => [r.id, r]));
  // A name the Api has otherwise (listed by hand, or another source's) stays as it is: one owner.
  const taken = new Set(rows.scopes.filter((r) => !mine.has(r.id)).map((r) => r.props.name));
  const managedBy = writeContextOf(actor).managedBy;
  const changes: PlanChange[] = [];
  const wanted = new Set<string>();
  for (const scope of imported.scopes) {
    if (taken.has(scope.name) || isReservedScopeName(scope.name)) continue;
    const id = scopeId(apiName, scope.name);
    wanted.add(id);
    const after: ScopeProps = {
      api: apiName,
      name: scope.name,
      description: scope.description,
      origin: "openapi",
      source: source.id,
    };
    const row = mine.get(id);
    if (!row) {
      changes.push({
        action: "create",
        kind: "Scope",
        id,
        after,
        diff: diffProps("Scope", undefined, after),
      });
    } else if (
      row.props.description !== after.description ||
      row.props.source !== after.source ||
      row.managedBy !== managedBy
    ) {
      changes.push({
        action: "update",
        kind: "Scope",
        id,
        before: row.props,
        after,
        diff: diffProps("Scope", row.props, after),
      });
    }
  }
  const deleted = new Set([...mine.keys()].filter((id) => !wanted.has(id)));
  for (const id of deleted) {
    const before = mine.get(id)?.props as ScopeProps;
    changes.push({
      action: "delete",
      kind: "Scope",
      id,
      before,
      diff: diffProps("Scope", before, undefined),
    });
  }
  refuseHeldRemovals(rows, deleted, active ? "This replacement" : "This upload");

  const ctx = logContext(rows, deleted, imports);
  const log: ImportLogItem[] = [
    ...imported.log.map((entry) => againstStore(ctx, apiName, entry)),
    ...removals(ctx, source.id, apiName),
  ];
  const sameFile = active?.file.sha256 === imported.file.sha256;
  return {
    changes,
    record: {
      source: source.id,
      api: apiName,
      action: active ? "replace" : "upload",
      file: imported.file,
      log,
    },
    changed: changes.length > 0 || !sameFile,
  };
}

async function decideDelete(reader: StoreReader, actor: ManagementActor, apiName: string): Promise<Decision> {
  const rows = await readApi(reader, apiName);
  const source = uploadSourceOf(rows);
  requireLivePermissions(rows.all, actor, DELETE);
  const imports = await reader.imports(source.id);
  const active = activeOf(imports);
  if (!active) throw new ManagementNotFoundError(`Api "${apiName}" has no active import to delete`);
  const generated = generatedBy(rows, source.id);
  const deleted = new Set(generated.map((r) => r.id));
  refuseHeldRemovals(rows, deleted, "Deleting the import");
  const changes: PlanChange[] = generated.map((r) => ({
    action: "delete",
    kind: "Scope",
    id: r.id,
    before: r.props,
    diff: diffProps("Scope", r.props, undefined),
  }));
  const ctx = logContext(rows, deleted, imports);
  const log = removals(ctx, source.id, apiName);
  return {
    changes,
    record: { source: source.id, api: apiName, action: "delete", file: active.file, log },
    changed: true,
  };
}

/** The revision's counts, as an apply's (the decision inside the transaction may differ by a race). */
export function summaryOf(changes: readonly PlanChange[]): Record<string, number> {
  const summary: Record<string, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of changes) summary[change.action] = (summary[change.action] ?? 0) + 1;
  return summary;
}

/** Decides, then (unless a dry run, or nothing changes) writes it in one transaction, deciding again there. */
async function run(
  store: Store,
  actor: ManagementActor,
  dryRun: boolean,
  decide: (reader: StoreReader) => Promise<Decision>,
): Promise<ImportAnswer> {
  const first = await decide(store);
  const answer = (d: Decision, revision: number | null): ImportAnswer => ({
    dryRun,
    changed: d.changed,
    import: { ...d.record, revision },
  });
  if (dryRun || !first.changed) return answer(first, null);
  const ctx = writeContextOf(actor);
  const { result, revision } = await store.transaction(
    async (tx) => {
      const decision = await decide(tx);
      const session = { tx, ctx, onSecret: () => undefined };
      for (const change of decision.changes) await applyChange(session, change);
      await tx.addImport(decision.record);
      return decision;
    },
    { ctx, summary: summaryOf(first.changes) },
  );
  return answer(result, revision);
}

export interface UploadRequest {
  api: string;
  /** The spec, imported already (openapi/importSpecBytes): parsing 20 MB happens outside the write lock. */
  imported: SpecImport;
  dryRun: boolean;
}

export function uploadSpec(
  store: Store,
  actor: ManagementActor,
  request: UploadRequest,
): Promise<ImportAnswer> {
  return run(store, actor, request.dryRun, (reader) =>
    decideUpload(reader, actor, request.api, request.imported),
  );
}

export function deleteImport(
  store: Store,
  actor: ManagementActor,
  request: { api: string; dryRun: boolean },
): Promise<ImportAnswer> {
  return run(store, actor, request.dryRun, (reader) => decideDelete(reader, actor, request.api));
}
