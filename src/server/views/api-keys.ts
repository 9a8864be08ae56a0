/**
 * `GET /v1/api-keys`: a page of ApiKeys (`q` matches name, prefix, owner and Api): the public prefix,
 * never the key nor its SHA-256. `expired` is judged at the time of the request.
 */
import { compareStrings } from "../../plan/desired-resources.ts";
import type { ApiKeyEntry, Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { perSnapshot } from "./per-snapshot.ts";

const sortedKeys = perSnapshot((snapshot: Snapshot) =>
  [...snapshot.apiKeys]
    .sort(([, a], [, b]) => compareStrings(a.name, b.name))
    .map(([prefix, key]) => ({
      prefix,
      key,
      search: [key.name, prefix, key.owner ?? "", key.api].map((t) => t.toLowerCase()),
    })),
);

function apiKeyView(prefix: string, key: ApiKeyEntry, now: number) {
  return {
    name: key.name,
    prefix,
    api: key.api,
    scopes: [...key.scopes],
    owner: key.owner ?? null,
    expiresAt: key.expiresAt === undefined ? null : new Date(key.expiresAt).toISOString(),
    expired: key.expiresAt !== undefined && key.expiresAt <= now,
  };
}

export function apiKeyListView(snapshot: Snapshot, paging: Paging, now: number = Date.now()) {
  const page = pageOf(sortedKeys(snapshot), (item) => item.search, paging);
  return {
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    apiKeys: page.items.map(({ prefix, key }) => apiKeyView(prefix, key, now)),
  };
}
