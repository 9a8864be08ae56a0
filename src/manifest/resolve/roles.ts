/** Roles: their scope grants, per Api. */
import type { DesiredRole } from "../../model/desired.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { checkScopeGrants } from "./references.ts";

export function resolveRoles(ctx: Resolution): Map<string, DesiredRole> {
  const roles = new Map<string, DesiredRole>();
  for (const { name, doc, manifest } of ctx.valid("Role")) {
    const { spec } = manifest;
    roles.set(name, {
      name,
      displayName: spec.displayName ?? name,
      description: spec.description ?? "",
      scopes: checkScopeGrants(ctx, doc, ["spec", "scopes"], spec.scopes),
      source: sourcePosition(doc),
    });
  }
  return roles;
}
