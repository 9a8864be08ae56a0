/**
 * Who holds what through the users' rows, derived once per snapshot: the users naming each Role, and
 * the users holding each scope as an additional scope. Disabled users count like the others (they still
 * hold what their rows say).
 */
import { compareStrings } from "../../plan/desired-resources.ts";
import type { Snapshot } from "../snapshot.ts";
import { perSnapshot } from "./per-snapshot.ts";
import { scopeKey } from "./scope-key.ts";

export interface UserGrants {
  /** The users naming each role that exists, sorted by name. */
  usersOfRole: ReadonlyMap<string, readonly string[]>;
  /** The users holding each scope (scopeKey) as an additional scope, sorted by name. */
  additional: ReadonlyMap<string, readonly string[]>;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const userGrants = perSnapshot((snapshot: Snapshot): UserGrants => {
  const usersOfRole = new Map<string, string[]>();
  const additional = new Map<string, string[]>();
  for (const name of [...snapshot.users.keys()].sort(compareStrings)) {
    const props = snapshot.users.get(name);
    if (!props) continue;
    const { roles, additionalScopes } = props;
    for (let i = 0; i < roles.length; i++) {
      const role = roles[i] as string;
      if (snapshot.roles.has(role) && roles.indexOf(role) === i) push(usersOfRole, role, name);
    }
    for (const api in additionalScopes) {
      const scopes = additionalScopes[api] ?? [];
      for (let i = 0; i < scopes.length; i++) {
        const scope = scopes[i] as string;
        if (scopes.indexOf(scope) === i) push(additional, scopeKey(api, scope), name);
      }
    }
  }
  return { usersOfRole, additional };
});
