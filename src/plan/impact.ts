/**
 * Impact: who loses scopes if the plan is applied, as the store stands TODAY. A reviewer approving
 * "delete scope orders/write:orders" needs to see that two roles, five users and the exporter app hold
 * it now; the manifests alone cannot say (the role grants of the store may come from another manager).
 *
 * Two shapes:
 *   - a deleted scope: every holder of it today (roles granting it, users holding it by a role or as an
 *     additional scope, applications with it enabled, API keys carrying it);
 *   - a narrowed grant (a role, user, application or API key that loses scopes, or is deleted): the
 *     scopes it no longer grants, and the holders that held them through it (for a role, the role and
 *     the users assigned to it today).
 */
import { effectiveScopes } from "../model/effective.ts";
import type {
  ApiKeyProps,
  ApplicationProps,
  ResourceKind,
  RoleProps,
  StoredResource,
  UserProps,
} from "../model/resources.ts";
import { scopeId, sortedUnique } from "./desired-resources.ts";
import type { Impact, ResourceProps } from "./types.ts";

interface Holders {
  roles: Set<string>;
  users: Set<string>;
  applications: Set<string>;
  apiKeys: Set<string>;
}

function grantIds(grants: Record<string, string[]>): string[] {
  return Object.entries(grants).flatMap(([api, scopes]) => scopes.map((s) => scopeId(api, s)));
}

function applicationScopeIds(app: ApplicationProps): string[] {
  return Object.entries(app.apis).flatMap(([api, access]) => access.scopes.map((s) => scopeId(api, s)));
}

function apiKeyScopeIds(key: ApiKeyProps): string[] {
  return key.scopes.map((s) => scopeId(key.api, s));
}

/**
 * The store's grants, indexed three ways, each part built on first use: who holds a scope walks every
 * user's effective scopes, which only a deleted scope needs; a user's narrowing needs only the roles.
 */
export class HoldingsIndex {
  readonly #current: readonly StoredResource[];
  #roles: Map<string, RoleProps> | undefined;
  #usersOfRole: Map<string, Set<string>> | undefined;
  #byScope: Map<string, Holders> | undefined;

  constructor(current: readonly StoredResource[]) {
    this.#current = current;
  }

  get roles(): ReadonlyMap<string, RoleProps> {
    if (!this.#roles) {
      this.#roles = new Map();
      for (const row of this.#current) if (row.kind === "Role") this.#roles.set(row.id, row.props);
    }
    return this.#roles;
  }

  /** Users assigned to each role. */
  get usersOfRole(): ReadonlyMap<string, ReadonlySet<string>> {
    if (!this.#usersOfRole) {
      this.#usersOfRole = new Map();
      for (const row of this.#current) {
        if (row.kind !== "User") continue;
        for (const role of row.props.roles) {
          const users = this.#usersOfRole.get(role) ?? new Set<string>();
          users.add(row.id);
          this.#usersOfRole.set(role, users);
        }
      }
    }
    return this.#usersOfRole;
  }

  /** Every holder of each scope id. */
  get byScope(): ReadonlyMap<string, Holders> {
    this.#byScope ??= indexByScope(this.#current, this.roles);
    return this.#byScope;
  }
}

function indexByScope(current: readonly StoredResource[], roles: ReadonlyMap<string, RoleProps>) {
  const byScope = new Map<string, Holders>();
  const holders = (id: string): Holders => {
    let entry = byScope.get(id);
    if (!entry) {
      entry = { roles: new Set(), users: new Set(), applications: new Set(), apiKeys: new Set() };
      byScope.set(id, entry);
    }
    return entry;
  };
  for (const row of current) {
    switch (row.kind) {
      case "Role":
        for (const id of grantIds(row.props.scopes)) holders(id).roles.add(row.id);
        break;
      case "User":
        for (const s of effectiveScopes(row.props, roles)) holders(scopeId(s.api, s.scope)).users.add(row.id);
        break;
      case "Application":
        for (const id of applicationScopeIds(row.props)) holders(id).applications.add(row.id);
        break;
      case "ApiKey":
        for (const id of apiKeyScopeIds(row.props)) holders(id).apiKeys.add(row.id);
        break;
    }
  }
  return byScope;
}

function impactOf(scopes: string[], holders: Partial<Record<keyof Holders, Iterable<string>>>): Impact {
  return {
    scopes: sortedUnique(scopes),
    roles: sortedUnique(holders.roles ?? []),
    users: sortedUnique(holders.users ?? []),
    applications: sortedUnique(holders.applications ?? []),
    apiKeys: sortedUnique(holders.apiKeys ?? []),
  };
}

/** A deleted scope (by id): every holder of it today. */
export function scopeDeletionImpact(index: HoldingsIndex, id: string): Impact {
  const h = index.byScope.get(id);
  return impactOf([id], h ?? {});
}

/**
 * A role, user, application or API key that grants fewer scopes after the change (or none: a delete).
 * `after` is absent for a delete. Undefined when nothing is lost.
 */
export function narrowingImpact(
  index: HoldingsIndex,
  kind: ResourceKind,
  id: string,
  before: ResourceProps,
  after: ResourceProps | undefined,
): Impact | undefined {
  const lost = (had: string[], has: string[]): string[] => {
    const kept = new Set(has);
    return sortedUnique(had.filter((s) => !kept.has(s)));
  };
  switch (kind) {
    case "Role": {
      const scopes = lost(
        grantIds((before as RoleProps).scopes),
        after ? grantIds((after as RoleProps).scopes) : [],
      );
      if (scopes.length === 0) return undefined;
      return impactOf(scopes, { roles: [id], users: index.usersOfRole.get(id) ?? [] });
    }
    case "User": {
      // The store's roles on both sides: a change to a role itself is that role's impact, not the user's.
      const ids = (user: UserProps) => effectiveScopes(user, index.roles).map((s) => scopeId(s.api, s.scope));
      const scopes = lost(ids(before as UserProps), after ? ids(after as UserProps) : []);
      return scopes.length === 0 ? undefined : impactOf(scopes, { users: [id] });
    }
    case "Application": {
      const scopes = lost(
        applicationScopeIds(before as ApplicationProps),
        after ? applicationScopeIds(after as ApplicationProps) : [],
      );
      return scopes.length === 0 ? undefined : impactOf(scopes, { applications: [id] });
    }
    case "ApiKey": {
      const scopes = lost(
        apiKeyScopeIds(before as ApiKeyProps),
        after ? apiKeyScopeIds(after as ApiKeyProps) : [],
      );
      return scopes.length === 0 ? undefined : impactOf(scopes, { apiKeys: [id] });
    }
    default:
      return undefined;
  }
}
