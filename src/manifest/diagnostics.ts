/** Building, ordering and de-duplicating the Diagnostics of the manifest loader. */
import type { Diagnostic } from "../model/diagnostics.ts";
import type { FieldPath, LocateTarget, ManifestDocument, Place } from "./documents.ts";

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * `spec.scopes[2].name`, `spec.apis.orders.scopes[0]`, `spec.apis["read:x"]`: the field as a reader would
 * write it. Numbers are list indexes; keys that are not plain identifiers are quoted.
 */
export function formatFieldPath(path: FieldPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function diagnosticAt(place: Place, message: string, path?: FieldPath): Diagnostic {
  const d: Diagnostic = { file: place.file, message };
  if (place.line !== undefined) d.line = place.line;
  if (place.column !== undefined) d.column = place.column;
  if (path && path.length > 0) d.field = formatFieldPath(path);
  return d;
}

/** A problem with the field at `path` of `doc`, placed at its key or its value. */
export function fieldDiagnostic(
  doc: ManifestDocument,
  path: FieldPath,
  message: string,
  at: LocateTarget = "value",
): Diagnostic {
  return diagnosticAt(doc.locate(path, at), message, path);
}

/** `apis.yaml:7:13`, for messages that point at a second place (the first of two duplicates). */
export function formatPlace(place: Place): string {
  let out = place.file;
  if (place.line !== undefined) out += `:${place.line}`;
  if (place.column !== undefined) out += `:${place.column}`;
  return out;
}

function compareOptional(a: number | undefined, b: number | undefined): number {
  // File-level problems (no line) come before the problems inside the file.
  return (a ?? 0) - (b ?? 0);
}

/** Sorted by file, line, column, then message; exact repeats removed. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = JSON.stringify([d.file, d.line, d.column, d.field, d.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      compareOptional(a.line, b.line) ||
      compareOptional(a.column, b.column) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** A string quoted for a message, cut to a readable length (a pasted blob is not worth echoing whole). */
export function quoteShort(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** Quotes a value for a message without echoing more than a short scalar. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return value.length > 60
        ? `the string "${value.slice(0, 57)}..."`
        : `the string ${JSON.stringify(value)}`;
    case "number":
      return `the number ${value}`;
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return "a map";
    default:
      return typeof value;
  }
}
