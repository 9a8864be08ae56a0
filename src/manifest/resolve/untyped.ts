/**
 * What only the OpenAPI imports can judge, because a YAML file that a spec pulls in through `$ref` is
 * part of the spec and is left alone:
 *   - documents without apiVersion and kind: anywhere else a mistake (a manifest missing its header, or
 *     a stray file);
 *   - files over the manifest size limit that are not specs: anywhere else too large for a manifest.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../../model/diagnostics.ts";
import { fieldDiagnostic } from "../diagnostics.ts";
import type { ManifestDocument, OversizedFile } from "../documents.ts";
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
  oversized: readonly OversizedFile[],
  openapi: OpenApiResolution,
): Promise<Diagnostic[]> {
  // A failed import read an unknown set of files: reporting its fragments now would bury the real error.
  // They are judged on the next run, once the spec imports.
  if ((untyped.length === 0 && oversized.length === 0) || openapi.importFailed) return [];
  const read = new Set<string>();
  for (const f of openapi.filesRead) {
    read.add(path.resolve(f));
    read.add(await realOrSelf(f));
  }
  const readBySpec = async (abs: string) => read.has(abs) || read.has(await realOrSelf(abs));
  const out: Diagnostic[] = [];
  for (const file of oversized) {
    if (!(await readBySpec(file.abs))) out.push({ file: file.file, message: file.message });
  }
  for (const doc of untyped) {
    if (await readBySpec(doc.place.abs)) continue;
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
