/**
 * The scope views of one Api: `GET /v1/apis/{api}/scopes` (a page of its scopes, each with where it
 * comes from, whether it is editable and how many hold it) and `GET /v1/apis/{api}/scopes/{scope}`
 * (one scope and its holders by name). User figures are null for a caller without `read:users`.
 */
import { ManagementNotFoundError } from "../../engine/management/errors.ts";
import { didYouMean } from "../../model/did-you-mean.ts";
import type { ApiEntry, ScopeEntry, Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { perSnapshot } from "./per-snapshot.ts";
import { scopeHolders } from "./scope-holders.ts";
import { isEditable, notEditableReason, scopeSourceOf } from "./scope-source.ts";

/** How many users the scope view lists by name (the count is of all). */
export const SCOPE_USERS_SHOWN = 100;

export function apiOf(snapshot: Snapshot, name: string): ApiEntry {
  const api = snapshot.apis.get(name);
  if (!api) throw new ManagementNotFoundError(`no Api "${name}"${didYouMean(name, snapshot.apis.keys())}`);
  return api;
}

/** Lower-cased name and description of each scope of each Api, for `q`. */
const searchTexts = perSnapshot((snapshot: Snapshot) => {
  const texts = new Map<ScopeEntry, readonly string[]>();
  for (const api of snapshot.apis.values())
    for (const scope of api.scopes)
      texts.set(scope, [scope.name.toLowerCase(), scope.description.toLowerCase()]);
  return texts;
});

function scopeFields(api: ApiEntry, scope: ScopeEntry) {
  return {
    name: scope.name,
    description: scope.description,
    source: scopeSourceOf(api, scope),
    ...(scope.source ? { openApiSource: scope.source } : {}),
    managedBy: scope.managedBy,
    commit: scope.commit ?? null,
    editable: isEditable(scope),
  };
}

export function scopeListView(snapshot: Snapshot, apiName: string, paging: Paging, readUsers: boolean) {
  const api = apiOf(snapshot, apiName);
  const texts = searchTexts(snapshot);
  const page = pageOf(api.scopes, (scope) => texts.get(scope) ?? [], paging);
  const holders = scopeHolders(snapshot);
  return {
    api: api.name,
    // The Api's heading, so the page needs no call for the whole Api (all its scopes).
    displayName: api.displayName,
    audience: api.audience,
    ...(api.openApiSource ? { openApiSource: api.openApiSource } : {}),
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    scopes: page.items.map((scope) => ({
      ...scopeFields(api, scope),
      holders: {
        roles: holders.roles(api.name, scope.name).length,
        users: readUsers ? holders.userCount(api.name, scope.name) : null,
        applications: holders.applications(api.name, scope.name).length,
        apiKeys: holders.apiKeys(api.name, scope.name).length,
      },
    })),
  };
}

export function scopeDetailView(snapshot: Snapshot, apiName: string, scopeName: string, readUsers: boolean) {
  const api = apiOf(snapshot, apiName);
  const scope = api.scopes.find((s) => s.name === scopeName);
  if (!scope) {
    const names = api.scopes.map((s) => s.name);
    throw new ManagementNotFoundError(
      `Api "${api.name}" has no scope "${scopeName}"${didYouMean(scopeName, names)}`,
    );
  }
  const holders = scopeHolders(snapshot);
  const users = readUsers ? holders.users(api.name, scope.name, SCOPE_USERS_SHOWN) : undefined;
  return {
    api: api.name,
    scope: { ...scopeFields(api, scope), reason: notEditableReason(api, scope) },
    holders: {
      roles: holders.roles(api.name, scope.name).map((name) => ({
        name,
        displayName: snapshot.roles.get(name)?.displayName ?? name,
      })),
      users: users
        ? {
            total: users.total,
            items: users.items.map(({ name, sources }) => ({
              name,
              email: snapshot.users.get(name)?.email ?? "",
              sources,
            })),
          }
        : null,
      applications: holders.applications(api.name, scope.name).map((client) => ({
        name: client.name,
        clientId: client.clientId,
        type: client.type,
      })),
      apiKeys: holders.apiKeys(api.name, scope.name).map(({ prefix, key }) => ({
        name: key.name,
        prefix,
        owner: key.owner ?? null,
        expiresAt: key.expiresAt === undefined ? null : new Date(key.expiresAt).toISOString(),
      })),
    },
  };
}
