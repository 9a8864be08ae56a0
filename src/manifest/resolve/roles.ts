/** Roles: their scope grants, per Api. */
import type { DesiredRole } from "../../model/desired.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { type ResolutionMemo, resolveDocument } from "./memo.ts";
import { checkScopeGrants } from "./references.ts";

/** `memo`: a re-plan's earlier resolutions (memo.ts). */
export function resolveRoles(ctx: Resolution, memo?: ResolutionMemo): Map<string, DesiredRole> {
  const roles = new Map<string, DesiredRole>();
  for (const { name, doc, manifest } of ctx.valid("Role")) {
    const { spec } = manifest;
    roles.set(
      name,
      resolveDocument(ctx, memo, doc, () => ({
        name,
        displayName: spec.displayName ?? name,
        description: spec.description ?? "",
        scopes: checkScopeGrants(ctx, doc, ["spec", "scopes"], spec.scopes),
        source: sourcePosition(doc),
      })),
    );
  }
  return roles;
}
