/**
 * Stage (b): each manifest checked against its kind's schema. Documents that fail keep their name when
 * it is valid, so that references to them are not reported as unknown as well: one mistake, one error.
 */
import type { Diagnostic } from "../../model/diagnostics.ts";
import type { ManifestCache } from "../cache.ts";
import type { FieldPath, FileNamer, ManifestDocument, ManifestSet, OversizedFile } from "../documents.ts";
import type { ManifestByKind, ManifestKind } from "../schemas/index.ts";
import { schemaErrors } from "./ajv.ts";
import { checkEnvelope, validName } from "./envelope.ts";
import { schemaDiagnostics } from "./errors.ts";
import { inlineSecret, SECRET_PATH } from "./secrets.ts";

/** A document that passed its schema: its data has the kind's TypeScript type. */
export type ValidDocument = {
  [K in ManifestKind]: { kind: K; name: string; manifest: ManifestByKind[K]; doc: ManifestDocument };
}[ManifestKind];

/** A document of a known kind with a valid name whose content failed its schema (diagnostics say why). */
export interface InvalidDocument {
  kind: ManifestKind;
  name: string;
  doc: ManifestDocument;
}

export interface ValidatedSet {
  root: string;
  name: FileNamer;
  documents: ValidDocument[];
  invalid: InvalidDocument[];
  /** Passed through from the ManifestSet: judged after the OpenAPI imports. */
  untyped: ManifestDocument[];
  oversized: OversizedFile[];
  diagnostics: Diagnostic[];
}

export function validateDocument(
  doc: ManifestDocument,
): { valid: ValidDocument } | { invalid?: InvalidDocument; diagnostics: Diagnostic[] } {
  const envelope = checkEnvelope(doc);
  if (!envelope.ok) return { diagnostics: envelope.diagnostics };
  const { kind } = envelope;

  const diagnostics: Diagnostic[] = [];
  const ignore: FieldPath[] = [];
  if (kind === "Application") {
    const secret = inlineSecret(doc);
    if (secret) {
      diagnostics.push(secret);
      ignore.push(SECRET_PATH);
    }
  }
  // Loops, not push(...): one document may have more problems than a call has arguments.
  for (const d of schemaDiagnostics(doc, schemaErrors(kind, doc.value), ignore)) diagnostics.push(d);

  const name = validName(doc);
  if (diagnostics.length === 0 && name !== undefined) {
    return { valid: { kind, name, manifest: doc.value, doc } as ValidDocument };
  }
  return name === undefined ? { diagnostics } : { invalid: { kind, name, doc }, diagnostics };
}

/**
 * `cache`: a process's earlier loads; a document it handed out again (its file unchanged) keeps the
 * check it had (cache.ts), since a document's check depends on that document alone.
 */
export function validateDocuments(set: ManifestSet, cache?: ManifestCache): ValidatedSet {
  const out: ValidatedSet = {
    root: set.root,
    name: set.name,
    documents: [],
    invalid: [],
    untyped: set.untyped,
    oversized: set.oversized,
    diagnostics: [...set.diagnostics],
  };
  for (const doc of set.manifests) {
    const result = cache ? cache.check(doc, () => validateDocument(doc)) : validateDocument(doc);
    if ("valid" in result) {
      out.documents.push(result.valid);
      continue;
    }
    for (const d of result.diagnostics) out.diagnostics.push(d);
    if (result.invalid) out.invalid.push(result.invalid);
  }
  return out;
}
