/**
 * Effective scopes (docs/architecture.md#rules-from-the-product): a user's scopes for an Api are the union of the scopes of
 * their roles and their additional scopes, each with its sources. Pure: the CLI's `explain`, the
 * management views and the token service all compute it from the same props.
 */
import type { RoleProps, UserProps } from "./resources.ts";

/** Where a user's scope comes from: `role:<name>` or `additional`. */
export type ScopeSource = { role: string } | { additional: true };

export interface EffectiveScope {
  api: string;
  scope: string;
  sources: ScopeSource[];
}

export function sourceLabel(source: ScopeSource): string {
  return "role" in source ? `role ${source.role}` : "additional";
}

/** Effective scopes of a user, sorted by Api then scope; roles the user names but that do not exist are skipped. */
export function effectiveScopes(user: UserProps, roles: ReadonlyMap<string, RoleProps>): EffectiveScope[] {
  const byKey = new Map<string, EffectiveScope>();
  const add = (api: string, scope: string, source: ScopeSource) => {
    const key = `${api}\u0000${scope}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { api, scope, sources: [] };
      byKey.set(key, entry);
    }
    entry.sources.push(source);
  };
  for (const roleName of user.roles) {
    const role = roles.get(roleName);
    if (!role) continue;
    for (const [api, scopes] of Object.entries(role.scopes))
      for (const scope of scopes) add(api, scope, { role: roleName });
  }
  for (const [api, scopes] of Object.entries(user.additionalScopes))
    for (const scope of scopes) add(api, scope, { additional: true });
  return [...byKey.values()].sort((a, b) => a.api.localeCompare(b.api) || a.scope.localeCompare(b.scope));
}
