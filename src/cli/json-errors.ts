/**
 * `--json` means one JSON document on stdout whatever happens, so that a script can parse the answer
 * of a failure too: `{"error": "..."}` (plus `diagnostics` for manifest problems), exit code 1, and
 * nothing on stderr. Wrap a command's action body with it; without --json errors go the usual way
 * (reportFailure: one line on stderr).
 */
import { InputError } from "../model/diagnostics.ts";
import { out } from "./output.ts";

export async function withJsonErrors(json: boolean | undefined, action: () => Promise<void>): Promise<void> {
  if (!json) return action();
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    out(
      JSON.stringify(
        error instanceof InputError ? { error: message, diagnostics: error.diagnostics } : { error: message },
        null,
        2,
      ),
    );
    process.exitCode = 1;
  }
}
