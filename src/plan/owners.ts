/**
 * A scope's owner: the Api's manual list, or the OpenApiSource that generated it (docs/architecture.md#rules-from-the-product, "one owner
 * per relationship"). When a scope moves between the two, the scope row stays (same id, same grants)
 * and only its origin changes: the plan shows an update with this note, never a delete and a create,
 * so a reviewer sees that nobody loses the scope.
 */
import type { ScopeProps } from "../model/resources.ts";

function ownerLabel(scope: ScopeProps): string {
  return scope.origin === "manual" ? "Api list" : `OpenApiSource ${scope.source ?? "(unknown)"}`;
}

/** `owner: Api list → OpenApiSource catalog-spec`, or undefined when the owner stays. */
export function ownerMoveNote(before: ScopeProps, after: ScopeProps): string | undefined {
  const from = ownerLabel(before);
  const to = ownerLabel(after);
  return from === to ? undefined : `owner: ${from} → ${to}`;
}
