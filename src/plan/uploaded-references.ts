/**
 * References from the manifests to scopes of an upload-fed Api that the manifests do not list
 * (DesiredState.uploadedScopeReferences): only the store knows whether an upload generated them. A plan
 * checks them against the rows it keeps: the scope must be in the store and stay there.
 */

import type { UploadedScopeReference } from "../model/desired.ts";
import type { Diagnostic } from "../model/diagnostics.ts";
import { didYouMean } from "../model/did-you-mean.ts";
import type { StoredResource } from "../model/resources.ts";
import type { Plan } from "./types.ts";

export function uploadedReferenceProblems(
  references: readonly UploadedScopeReference[],
  current: readonly StoredResource[],
  plan: Pick<Plan, "changes">,
): Diagnostic[] {
  if (references.length === 0) return [];
  const deleted = new Set(
    plan.changes
      .filter((c) => c.kind === "Scope" && (c.action === "delete" || c.replacesId !== undefined))
      .map((c) => c.replacesId ?? c.id),
  );
  const kept = new Map<string, string[]>();
  for (const row of current) {
    if (row.kind !== "Scope" || deleted.has(row.id)) continue;
    const names = kept.get(row.props.api) ?? [];
    names.push(row.props.name);
    kept.set(row.props.api, names);
  }
  const problems: Diagnostic[] = [];
  for (const { api, scope, at } of references) {
    const names = kept.get(api) ?? [];
    if (names.includes(scope)) continue;
    problems.push({
      ...at,
      message: `unknown scope "${scope}" of Api "${api}": the Api does not list it, and no upload to its OpenApiSource has generated it${didYouMean(scope, names)}`,
    });
  }
  return problems;
}
