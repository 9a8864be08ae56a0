/**
 * Who holds each scope, derived once per snapshot: the Roles granting it, the Applications it is
 * enabled for (at its Api's audience, `all` grants included), the ApiKeys of its Api carrying it, and
 * the users holding it through a role or as an additional scope (disabled users included). User counts
 * are computed per scope on first asking and kept with the snapshot.
 */
import { sourceLabel } from "../../model/effective.ts";
import { compareStrings } from "../../plan/desired-resources.ts";
import type { ApiKeyEntry, ClientEntry, Snapshot } from "../snapshot.ts";
import { perSnapshot } from "./per-snapshot.ts";
import { scopeKey } from "./scope-key.ts";
import { userGrants } from "./user-grants.ts";

export interface KeyHolder {
  prefix: string;
  key: ApiKeyEntry;
}

/** A user holding a scope, and through what (`role <name>` in the user's role order, then `additional`). */
export interface UserHolder {
  name: string;
  sources: string[];
}

export interface ScopeHolders {
  /** Role names, sorted. */
  roles(api: string, scope: string): readonly string[];
  /** Sorted by name. */
  applications(api: string, scope: string): readonly ClientEntry[];
  /** Sorted by name. */
  apiKeys(api: string, scope: string): readonly KeyHolder[];
  /** How many distinct users hold it. */
  userCount(api: string, scope: string): number;
  /** How many users hold it, and the first `max` of them by name. */
  users(api: string, scope: string, max: number): { total: number; items: UserHolder[] };
}

const NONE: readonly never[] = Object.freeze([]);

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const scopeHolders = perSnapshot((snapshot: Snapshot): ScopeHolders => {
  const rolesOf = new Map<string, string[]>();
  for (const name of [...snapshot.roles.keys()].sort(compareStrings)) {
    const role = snapshot.roles.get(name);
    for (const [api, scopes] of Object.entries(role?.scopes ?? {}))
      for (const scope of new Set(scopes)) push(rolesOf, scopeKey(api, scope), name);
  }
  const appsOf = new Map<string, ClientEntry[]>();
  for (const client of [...snapshot.clients.values()].sort((a, b) => compareStrings(a.name, b.name))) {
    for (const grant of client.authorizations.values())
      for (const scope of grant.scopeSet) push(appsOf, scopeKey(grant.api, scope), client);
  }
  const keysOf = new Map<string, KeyHolder[]>();
  const keys = [...snapshot.apiKeys].sort(([, a], [, b]) => compareStrings(a.name, b.name));
  for (const [prefix, key] of keys)
    for (const scope of new Set(key.scopes)) push(keysOf, scopeKey(key.api, scope), { prefix, key });

  const counts = new Map<string, number>();
  const holderNames = (key: string): Set<string> => {
    const { usersOfRole, additional } = userGrants(snapshot);
    const names = new Set<string>(additional.get(key) ?? NONE);
    for (const role of rolesOf.get(key) ?? NONE)
      for (const user of usersOfRole.get(role) ?? NONE) names.add(user);
    return names;
  };

  return {
    roles: (api, scope) => rolesOf.get(scopeKey(api, scope)) ?? NONE,
    applications: (api, scope) => appsOf.get(scopeKey(api, scope)) ?? NONE,
    apiKeys: (api, scope) => keysOf.get(scopeKey(api, scope)) ?? NONE,
    userCount: (api, scope) => {
      const key = scopeKey(api, scope);
      let count = counts.get(key);
      if (count === undefined) {
        count = holderNames(key).size;
        counts.set(key, count);
      }
      return count;
    },
    users: (api, scope, max) => {
      const key = scopeKey(api, scope);
      const granting = new Set(rolesOf.get(key) ?? NONE);
      const extra = new Set(userGrants(snapshot).additional.get(key) ?? NONE);
      const names = [...holderNames(key)].sort(compareStrings);
      const items = names.slice(0, max).map((name) => {
        const roles = snapshot.users.get(name)?.roles ?? [];
        const sources = [...new Set(roles)]
          .filter((role) => granting.has(role))
          .map((role) => sourceLabel({ role }));
        if (extra.has(name)) sources.push(sourceLabel({ additional: true }));
        return { name, sources };
      });
      return { total: names.length, items };
    },
  };
});
