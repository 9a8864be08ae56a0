/**
 * A Diagnostic is one problem found in user input, with the place it was found. Every layer that
 * reads input (manifests, OpenAPI specs, later HTTP requests) reports through this type, so that the
 * CLI can print all problems at once, each as one clear sentence that names its place.
 */
import { ScopectlError } from "../core/errors.ts";

export interface Diagnostic {
  /** The file, as the user would name it (relative to the folder they passed when possible). */
  file: string;
  /** 1-based line and column when the problem has a position in the file. */
  line?: number;
  column?: number;
  /** A field path such as `spec.scopes[2].name`, when the problem is about one field. */
  field?: string;
  message: string;
}

/** Thrown when input is invalid; carries every problem found, never a partial result. */
export class InputError extends ScopectlError {
  static readonly code = "input.invalid";
  declare readonly code: typeof InputError.code;
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(InputError.code, diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "InputError";
    this.diagnostics = diagnostics;
  }
}

/** `file:line:column: message (field)`: the form editors and CI annotations understand. */
export function formatDiagnostic(d: Diagnostic): string {
  let place = d.file;
  if (d.line !== undefined) {
    place += `:${d.line}`;
    if (d.column !== undefined) place += `:${d.column}`;
  }
  const field = d.field ? ` (at ${d.field})` : "";
  return `${place}: ${d.message}${field}`;
}
