/**
 * The name tables: one per kind, the first declaration of each `metadata.name` in load order (files
 * sorted by path, documents in file order). A later declaration of the same name is an error and is
 * left out, so every reference resolves to exactly one document.
 */
import type { Diagnostic } from "../../model/diagnostics.ts";
import { fieldDiagnostic, formatPlace } from "../diagnostics.ts";
import type { ManifestDocument } from "../documents.ts";
import { MANIFEST_KINDS, type ManifestKind } from "../schemas/kinds.ts";
import type { ValidatedSet } from "../validate/index.ts";
import type { Declaration, NameTables } from "./context.ts";

interface Entry {
  kind: ManifestKind;
  name: string;
  doc: ManifestDocument;
  manifest?: unknown;
}

export function buildNameTables(set: ValidatedSet): { tables: NameTables; diagnostics: Diagnostic[] } {
  const tables = Object.fromEntries(MANIFEST_KINDS.map((k) => [k, new Map()])) as unknown as NameTables;
  const diagnostics: Diagnostic[] = [];
  const entries: Entry[] = [...set.documents, ...set.invalid];
  // Valid and invalid documents were split apart: put them back in load order (file, then position),
  // so "the first declaration wins" does not depend on which of them passed its schema.
  entries.sort((a, b) => {
    const pa = a.doc.place;
    const pb = b.doc.place;
    if (pa.file !== pb.file) return pa.file < pb.file ? -1 : 1;
    return (pa.line ?? 0) - (pb.line ?? 0) || (pa.column ?? 0) - (pb.column ?? 0);
  });

  let settings: Entry | undefined;
  for (const entry of entries) {
    if (entry.kind === "Settings") {
      // Settings are tenant-wide: one document, whatever its name.
      if (settings) {
        diagnostics.push(
          fieldDiagnostic(
            entry.doc,
            ["kind"],
            `a second Settings document: there is at most one, and one is declared at ${formatPlace(settings.doc.place)}`,
          ),
        );
        continue;
      }
      settings = entry;
    }
    const table = tables[entry.kind] as Map<string, Declaration<ManifestKind>>;
    const first = table.get(entry.name);
    if (first) {
      diagnostics.push(
        fieldDiagnostic(
          entry.doc,
          ["metadata", "name"],
          `duplicate ${entry.kind} name "${entry.name}": another ${entry.kind} with this name is declared at ${formatPlace(first.doc.locate(["metadata", "name"]))}`,
        ),
      );
      continue;
    }
    const declaration: Declaration<ManifestKind> = { name: entry.name, doc: entry.doc };
    if (entry.manifest !== undefined)
      declaration.manifest = entry.manifest as Declaration<ManifestKind>["manifest"];
    table.set(entry.name, declaration);
  }
  return { tables, diagnostics };
}
