/**
 * The users as the users view lists them, derived once per snapshot: sorted by name, with their
 * lower-cased search texts and how many effective scopes each has (roles ∪ additional, distinct by Api
 * and scope, exactly as model/effective.ts counts them for `/v1/users/{user}/scopes`).
 */
import type { UserProps } from "../../model/resources.ts";
import { compareStrings } from "../../plan/desired-resources.ts";
import type { Snapshot } from "../snapshot.ts";
import { perSnapshot } from "./per-snapshot.ts";
import { scopeKey } from "./scope-key.ts";

export interface ListedUser {
  name: string;
  props: UserProps;
  /** Lower-cased name, email and display name: what `q` matches. */
  search: readonly string[];
  scopes: number;
}

function heldBefore(sets: readonly ReadonlySet<string>[], end: number, key: string): boolean {
  for (let j = 0; j < end; j++) if ((sets[j] as ReadonlySet<string>).has(key)) return true;
  return false;
}

/** Distinct Api/scope pairs of the roles' key sets and the additional grants (a set only for the latter). */
function countScopes(
  sets: readonly ReadonlySet<string>[],
  additional: UserProps["additionalScopes"],
): number {
  let count = 0;
  for (let i = 0; i < sets.length; i++) {
    const set = sets[i] as ReadonlySet<string>;
    if (i === 0) count += set.size;
    else for (const key of set) if (!heldBefore(sets, i, key)) count++;
  }
  const extra = new Set<string>();
  for (const api in additional) {
    for (const scope of additional[api] ?? []) {
      const key = scopeKey(api, scope);
      if (!heldBefore(sets, sets.length, key)) extra.add(key);
    }
  }
  return count + extra.size;
}

export const userList = perSnapshot((snapshot: Snapshot): readonly ListedUser[] => {
  const roleKeys = new Map<string, ReadonlySet<string>>();
  for (const [name, role] of snapshot.roles) {
    const keys = new Set<string>();
    for (const [api, scopes] of Object.entries(role.scopes))
      for (const s of scopes) keys.add(scopeKey(api, s));
    roleKeys.set(name, keys);
  }
  const users: ListedUser[] = [];
  for (const name of [...snapshot.users.keys()].sort(compareStrings)) {
    const props = snapshot.users.get(name) as UserProps;
    const sets: ReadonlySet<string>[] = [];
    for (const role of props.roles) {
      const keys = roleKeys.get(role);
      if (keys && !sets.includes(keys)) sets.push(keys);
    }
    const search = [name.toLowerCase(), props.email.toLowerCase(), props.displayName.toLowerCase()];
    users.push({ name, props, search, scopes: countScopes(sets, props.additionalScopes) });
  }
  return users;
});
