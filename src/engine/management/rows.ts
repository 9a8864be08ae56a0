/**
 * What a management write reads first: the Api's rows (its scopes, its OpenApiSource), who owns a row
 * in words a caller can act on, and who still holds a scope.
 */

import { didYouMean } from "../../model/did-you-mean.ts";
import { isHttpManaged, isUploadSource, RECONCILER, type StoredResource } from "../../model/resources.ts";
import { SETTINGS_ID, scopeId } from "../../plan/desired-resources.ts";
import { MAX_NAMES } from "../../plan/render-words.ts";
import type { StoreReader } from "../../store/resources.ts";
import { ManagementConflictError, ManagementNotFoundError, type ScopeHolder } from "./errors.ts";

export interface ApiRows {
  api: StoredResource<"Api">;
  /** Every Scope row of the Api, whoever manages it. */
  scopes: StoredResource<"Scope">[];
  source?: StoredResource<"OpenApiSource">;
  /** Every row of the store: holders are looked for among them. */
  all: StoredResource[];
}

/** The Api's rows; 404 for no such Api, 409 for the management Api (its scopes are the permissions). */
export async function readApi(reader: StoreReader, name: string): Promise<ApiRows> {
  const all = await reader.listAll();
  const apis = all.filter((r): r is StoredResource<"Api"> => r.kind === "Api");
  const api = apis.find((r) => r.id === name);
  if (!api) {
    throw new ManagementNotFoundError(
      `no Api "${name}"${didYouMean(
        name,
        apis.map((a) => a.id),
      )}`,
    );
  }
  const settings = all.find(
    (r): r is StoredResource<"Settings"> => r.kind === "Settings" && r.id === SETTINGS_ID,
  );
  if (settings && api.props.audience === settings.props.managementAudience) {
    throw new ManagementConflictError(
      `Api "${name}" is the management API (Settings.managementAudience): its scopes are the built-in permissions, which no call changes`,
    );
  }
  const scopes = all.filter((r): r is StoredResource<"Scope"> => r.kind === "Scope" && r.props.api === name);
  const source = all.find(
    (r): r is StoredResource<"OpenApiSource"> => r.kind === "OpenApiSource" && r.props.api === name,
  );
  return { api, scopes, all, ...(source ? { source } : {}) };
}

const commitNote = (row: StoredResource): string => (row.commit ? `, commit ${row.commit.slice(0, 12)}` : "");

/** Where a row comes from, for a 409: the manifest, the spec file, the stack or the API client. */
export function ownerOf(row: StoredResource, rows: ApiRows): string {
  if (row.managedBy.startsWith("pulumi:")) return `the Pulumi stack ${row.managedBy.slice("pulumi:".length)}`;
  if (isHttpManaged(row.managedBy)) return `the management API client ${row.managedBy.slice("api:".length)}`;
  if (row.kind === "Scope" && row.props.origin === "openapi") {
    const source = rows.source && !isUploadSource(rows.source.props) ? rows.source : undefined;
    const file = source && !isUploadSource(source.props) ? `, spec file ${source.props.file.path}` : "";
    return `git (OpenApiSource "${row.props.source ?? "?"}"${file}${commitNote(row)})`;
  }
  if (row.managedBy === RECONCILER) {
    return `git (the scopes of the Api "${rows.api.id}" manifest${commitNote(row)})`;
  }
  return `"${row.managedBy}"`;
}

/**
 * Rows that name one of `scopeIds` as a reference the manifests (or a stack) wrote: a Role's scopes, a
 * User's additional scopes, an Application's enabled scopes (not an `all` grant, which follows the
 * Api), an ApiKey's scopes. Removing such a scope would break the next commit's validation.
 */
export function holdersOf(all: readonly StoredResource[], scopeIds: ReadonlySet<string>): ScopeHolder[] {
  const out: ScopeHolder[] = [];
  const held = (api: string, names: readonly string[]) =>
    names.filter((name) => scopeIds.has(scopeId(api, name))).map((name) => `${api}/${name}`);
  for (const row of all) {
    let scopes: string[] = [];
    switch (row.kind) {
      case "Role":
        scopes = Object.entries(row.props.scopes).flatMap(([api, names]) => held(api, names));
        break;
      case "User":
        scopes = Object.entries(row.props.additionalScopes).flatMap(([api, names]) => held(api, names));
        break;
      case "Application":
        scopes = Object.entries(row.props.apis).flatMap(([api, access]) =>
          access.all ? [] : held(api, access.scopes),
        );
        break;
      case "ApiKey":
        scopes = held(row.props.api, row.props.scopes);
        break;
      default:
        continue;
    }
    if (scopes.length > 0) out.push({ kind: row.kind, id: row.id, managedBy: row.managedBy, scopes });
  }
  return out;
}

/** Refuses (409, the holders listed) a write that removes a scope something still holds. */
export function refuseHeldRemovals(rows: ApiRows, removedIds: ReadonlySet<string>, verb: string): void {
  if (removedIds.size === 0) return;
  const holders = holdersOf(rows.all, removedIds);
  if (holders.length === 0) return;
  const names = holders.slice(0, MAX_NAMES).map((h) => `${h.kind} ${h.id} (${h.scopes.join(", ")})`);
  const more = holders.length > MAX_NAMES ? ` and ${holders.length - MAX_NAMES} more` : "";
  throw new ManagementConflictError(
    `${verb} would remove scopes still granted by ${names.join("; ")}${more}; remove those grants in the config repository first`,
    holders,
  );
}
