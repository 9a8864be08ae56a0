/**
 * Documents without apiVersion and kind: a YAML file that an OpenAPI spec pulls in through `$ref` is a
 * spec fragment and is left alone; anywhere else such a document is a mistake (a manifest missing its
 * header, or a stray file) and is reported.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../../model/diagnostics.ts";
import { fieldDiagnostic } from "../diagnostics.ts";
import type { ManifestDocument } from "../documents.ts";
import type { OpenApiResolution } from "./openapi-sources.ts";

async function realOrSelf(abs: string): Promise<string> {
  try {
    return await realpath(abs);
  } catch {
    return abs;
  }
}

export async function judgeUntyped(
  untyped: readonly ManifestDocument[],
  openapi: OpenApiResolution,
): Promise<Diagnostic[]> {
  // A failed import read an unknown set of files: reporting its fragments now would bury the real error.
  // They are judged on the next run, once the spec imports.
  if (untyped.length === 0 || openapi.importFailed) return [];
  const read = new Set<string>();
  for (const f of openapi.filesRead) {
    read.add(path.resolve(f));
    read.add(await realOrSelf(f));
  }
  const out: Diagnostic[] = [];
  for (const doc of untyped) {
    const abs = doc.place.abs;
    if (read.has(abs) || read.has(await realOrSelf(abs))) continue;
    out.push(
      fieldDiagnostic(
        doc,
        [],
        "this document has no apiVersion and kind, so it is not a manifest, and no OpenApiSource's spec reads this file; add `apiVersion: scopectl/v1` and `kind`, or move the file out of the folder",
      ),
    );
  }
  return out;
}
