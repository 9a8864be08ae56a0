/**
 * Where a scope comes from, in the console's words, and whether the management API may edit it one by
 * one. The product's rule (docs/architecture.md#rules-from-the-product): generated scopes change only
 * with their spec, so they are never editable. Of the manual ones, only a row written over the API is:
 * a git or Pulumi row changes where it is declared (the writes answer 409 for it, engine/management).
 */
import { isHttpManaged, RECONCILER } from "../../model/resources.ts";
import type { ApiEntry, ScopeEntry } from "../snapshot.ts";

/** `openapi`: generated from a spec file in git; `uploaded`: from a spec uploaded over `/v1`. */
export type ScopeSourceWord = "openapi" | "uploaded" | "manual";

export function scopeSourceOf(api: ApiEntry, scope: ScopeEntry): ScopeSourceWord {
  if (scope.origin === "manual") return "manual";
  return api.openApiUpload ? "uploaded" : "openapi";
}

export const isEditable = (scope: ScopeEntry): boolean =>
  scope.origin === "manual" && isHttpManaged(scope.managedBy);

/** Why a scope is not editable; null when it is. */
export function notEditableReason(api: ApiEntry, scope: ScopeEntry): string | null {
  if (isEditable(scope)) return null;
  if (scope.origin === "openapi") {
    const source = scope.source ?? api.openApiSource ?? "?";
    return `Generated from the OpenAPI spec of OpenApiSource "${source}": change the spec to change or remove it`;
  }
  if (scope.managedBy === RECONCILER)
    return `Declared in git by the Api "${api.name}" manifest: change it there`;
  if (scope.managedBy.startsWith("pulumi:")) {
    return `Declared by the Pulumi stack ${scope.managedBy.slice("pulumi:".length)}: change it there`;
  }
  return `Managed by "${scope.managedBy}"`;
}
