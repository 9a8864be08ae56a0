/**
 * One way to fail for everything that reads a spec: an `InputError` with a single Diagnostic naming the
 * file (relative to the root, `/` separators), its line and column when we know them, and one sentence.
 */
import { type Diagnostic, InputError } from "../model/diagnostics.ts";

/** 1-based, as editors and `file:line:column` links count. */
export interface Position {
  line: number;
  column: number;
}

export interface ErrorPlace {
  position?: Position | undefined;
  /** A readable field path such as `paths["/users"].get`, when the problem is about one field. */
  field?: string | undefined;
}

export function diagnostic(file: string, message: string, place: ErrorPlace = {}): Diagnostic {
  const d: Diagnostic = { file, message };
  if (place.position) {
    d.line = place.position.line;
    d.column = place.position.column;
  }
  if (place.field) d.field = place.field;
  return d;
}

export function specError(file: string, message: string, place: ErrorPlace = {}): InputError {
  return new InputError([diagnostic(file, message, place)]);
}

/** Line and column (1-based) of a UTF-16 offset in `text`; used only on the error path. */
export function positionAt(text: string, offset: number): Position {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}
