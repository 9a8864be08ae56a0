/**
 * The actor's permissions as the rows of the write's own transaction grant them. The gate
 * (server/routes/management-auth.ts) checked the token against the served snapshot, which may be a
 * poll interval (or a replica's lag) behind: a commit that took a permission away, or disabled the
 * client or the user, must refuse a write that starts after it. So a write intersects what the token
 * carries with what the store grants now: the client enabled at the management Api (and not disabled),
 * and for a user token the user (not disabled) holding the permission through roles or additional
 * scopes.
 */
import { effectiveScopes } from "../../model/effective.ts";
import type { ManagementPermission } from "../../model/management.ts";
import type { RoleProps, StoredResource } from "../../model/resources.ts";
import { SETTINGS_ID } from "../../plan/desired-resources.ts";
import { type ManagementActor, requirePermissions } from "./actor.ts";

export function livePermissions(all: readonly StoredResource[], actor: ManagementActor): Set<string> {
  const settings = all.find(
    (r): r is StoredResource<"Settings"> => r.kind === "Settings" && r.id === SETTINGS_ID,
  );
  const management = all.find(
    (r): r is StoredResource<"Api"> =>
      r.kind === "Api" && r.props.audience === settings?.props.managementAudience,
  );
  const app = all.find(
    (r): r is StoredResource<"Application"> =>
      r.kind === "Application" && r.props.clientId === actor.clientId,
  );
  if (!management || !app || app.props.disabled) return new Set();
  const access = app.props.apis[management.id];
  if (!access) return new Set();
  let granted = access.all
    ? all
        .filter((r) => r.kind === "Scope" && r.props.api === management.id)
        .map((r) => (r as StoredResource<"Scope">).props.name)
    : access.scopes;
  if (actor.user !== undefined) {
    const user = all.find((r): r is StoredResource<"User"> => r.kind === "User" && r.id === actor.user);
    if (!user || user.props.disabled) return new Set();
    const roles = new Map<string, RoleProps>();
    for (const r of all) if (r.kind === "Role") roles.set(r.id, r.props);
    const held = new Set(
      effectiveScopes(user.props, roles)
        .filter((s) => s.api === management.id)
        .map((s) => s.scope),
    );
    granted = granted.filter((name) => held.has(name));
  }
  return new Set(granted.filter((name) => actor.permissions.has(name)));
}

/** requirePermissions against the permissions that hold in `all` (the transaction's rows). */
export function requireLivePermissions(
  all: readonly StoredResource[],
  actor: ManagementActor,
  needed: readonly ManagementPermission[],
): void {
  requirePermissions({ ...actor, permissions: livePermissions(all, actor) }, needed);
}
