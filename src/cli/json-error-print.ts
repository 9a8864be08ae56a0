/** The one JSON document of a failed `--json` command (json-errors.ts says when it is printed). */
import { ScopectlError } from "../core/errors.ts";
import { ManagementConflictError } from "../engine/management/errors.ts";
import { InputError } from "../model/diagnostics.ts";
import { failureOutcome } from "./exit-codes.ts";
import { out } from "./output.ts";

/**
 * Prints `error` as the one JSON document of a failed --json command, and sets its exit code
 * (exit-codes.ts). A ScopectlError adds its `code` (and the code's `hint`, if any) beside `error`.
 */
export function printJsonError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const { exitCode, hint } = failureOutcome(error);
  const answer: Record<string, unknown> = { error: message };
  if (error instanceof ScopectlError) answer.code = error.code;
  if (hint !== undefined) answer.hint = hint;
  if (error instanceof InputError) answer.diagnostics = error.diagnostics;
  // A refusal because scopes are still granted lists who grants them (openapi upload's 409).
  if (error instanceof ManagementConflictError && error.holders.length > 0) answer.holders = error.holders;
  out(JSON.stringify(answer, null, 2));
  process.exitCode = exitCode;
}
