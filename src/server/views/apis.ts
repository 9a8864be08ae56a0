/**
 * `GET /v1/apis` and `GET /v1/apis/{api}`: each Api with its scopes marked manual or openapi. Without
 * a paging parameter the list is every Api (as before paging existed, plus `total`); with one it is a
 * page (`q` matches name, display name and audience).
 */
import { compareStrings } from "../../plan/desired-resources.ts";
import type { ApiEntry, Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { perSnapshot } from "./per-snapshot.ts";

export function apiView(api: ApiEntry) {
  return {
    name: api.name,
    audience: api.audience,
    displayName: api.displayName,
    ...(api.openApiSource ? { openApiSource: api.openApiSource } : {}),
    scopes: api.scopes.map((s) => ({
      name: s.name,
      description: s.description,
      source: s.origin,
      ...(s.source ? { openApiSource: s.source } : {}),
    })),
  };
}

const sortedApis = perSnapshot((snapshot: Snapshot) =>
  [...snapshot.apis.values()]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((api) => ({ api, search: [api.name, api.displayName, api.audience].map((t) => t.toLowerCase()) })),
);

export function apiListView(snapshot: Snapshot, paging: Paging) {
  const all = sortedApis(snapshot);
  if (!paging.given) return { total: all.length, apis: all.map(({ api }) => apiView(api)) };
  const page = pageOf(all, (item) => item.search, paging);
  return {
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    apis: page.items.map(({ api }) => apiView(api)),
  };
}
