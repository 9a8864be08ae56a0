/**
 * Checking references: each names a document of some kind (or a scope of an Api) that must exist. An
 * unknown name is an error at the reference, with a "did you mean" when a declared name is close.
 */
import { didYouMean } from "../../model/did-you-mean.ts";
import { isReservedScopeName } from "../../model/names.ts";
import { fieldDiagnostic, formatPlace } from "../diagnostics.ts";
import type { FieldPath, LocateTarget, ManifestDocument } from "../documents.ts";
import type { ManifestKind } from "../schemas/index.ts";
import type { Resolution } from "./context.ts";

/** True when a `kind` named `name` is declared; otherwise reports it at `path` and returns false. */
export function checkReference(
  ctx: Resolution,
  kind: ManifestKind,
  doc: ManifestDocument,
  path: FieldPath,
  name: string,
  at: LocateTarget = "value",
): boolean {
  const table = ctx.names[kind];
  if (table.has(name)) return true;
  ctx.report(doc, path, `unknown ${kind} "${name}"${didYouMean(name, table.keys())}`, at);
  return false;
}

/**
 * A list of names with each name once: a repeat is reported at its second place (with the first's line)
 * and dropped. Returns the names in order without repeats.
 */
export function uniqueList(
  ctx: Resolution,
  doc: ManifestDocument,
  path: FieldPath,
  items: readonly string[],
  noun: string,
): string[] {
  const firstIndex = new Map<string, number>();
  items.forEach((item, i) => {
    const first = firstIndex.get(item);
    if (first === undefined) {
      firstIndex.set(item, i);
      return;
    }
    const firstPlace = doc.locate([...path, first]);
    ctx.report(doc, [...path, i], `${noun} "${item}" is listed twice (first at ${formatPlace(firstPlace)})`);
  });
  return [...firstIndex.keys()];
}

/**
 * Scope names granted on `api`: each once, and each a scope the Api has (listed or generated; on an Api
 * that takes uploads, a name it does not list is left to the store). Returns the known ones, without
 * repeats. When the Api's scope list is not known (its own document failed),
 * only repeats are checked.
 */
export function checkScopeList(
  ctx: Resolution,
  doc: ManifestDocument,
  path: FieldPath,
  api: string,
  names: readonly string[],
): string[] {
  const unique = uniqueList(ctx, doc, path, names, "scope");
  const scopes = ctx.scopes.get(api);
  if (!scopes?.complete) return unique;
  const known: string[] = [];
  for (const name of unique) {
    if (scopes.names.has(name)) {
      known.push(name);
      continue;
    }
    const index = names.indexOf(name);
    if (scopes.uploads && !isReservedScopeName(name)) {
      // Maybe a scope an upload generated: plan and apply check it against the store.
      const { message: _, ...at } = fieldDiagnostic(doc, [...path, index], "");
      ctx.uploadedScopeReferences.push({ api, scope: name, at });
      known.push(name);
      continue;
    }
    const message = isReservedScopeName(name)
      ? `"${name}" is a reserved OpenID Connect scope name, never a scope of Api "${api}"`
      : `unknown scope "${name}" of Api "${api}"${didYouMean(name, scopes.names)}`;
    ctx.report(doc, [...path, index], message);
  }
  return known;
}

/**
 * `{<api>: [<scope>...]}` as on Roles and Users: every Api key must exist (reported at the key), every
 * scope must be one of its scopes. Unknown Apis are left out of the result.
 */
export function checkScopeGrants(
  ctx: Resolution,
  doc: ManifestDocument,
  path: FieldPath,
  grants: Readonly<Record<string, readonly string[]>> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [api, names] of Object.entries(grants ?? {})) {
    if (!checkReference(ctx, "Api", doc, [...path, api], api, "key")) continue;
    out[api] = checkScopeList(ctx, doc, [...path, api], api, names);
  }
  return out;
}
