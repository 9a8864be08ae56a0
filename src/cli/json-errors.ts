/**
 * `--json` means one JSON document on stdout whatever happens, so that a script can parse the answer
 * of a failure too: `{"error": "...", "code": "..."}` (`code` for a ScopectlError, core/errors.ts; plus
 * `diagnostics` for manifest problems, `holders` for a management write refused over granted scopes),
 * exit code 1, and nothing on stderr. Wrap a command's action body with it; without --json errors go
 * the usual way (reportFailure: one line on stderr).
 *
 * Commander's own usage errors (an unknown option, a missing argument) happen before any action runs:
 * with --json on the command line, jsonUsageErrors makes commander throw them instead of printing them,
 * and printJsonError prints them the same way, as `{"error": ...}` alone: commander's errors carry no
 * code of ours (scripts already read them that way).
 *
 * Every command's declaration wraps its action with withJsonErrors, so this module loads only
 * commander's types; the printing (json-error-print.ts: the error classes, the exit codes) is loaded
 * when there is an error to print (docs/benchmarks.md#cli-start-up).
 */
import type { Command, CommanderError } from "commander";

export async function withJsonErrors(json: boolean | undefined, action: () => Promise<void>): Promise<void> {
  if (!json) return action();
  try {
    await action();
  } catch (error) {
    (await import("./json-error-print.ts")).printJsonError(error);
  }
}

/** Whether the command line asks for JSON: `--json` among the arguments before any `--`. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * Makes `program` and every subcommand throw their usage errors as CommanderError, printing nothing
 * (commander copies these settings only to commands made after them, hence the walk).
 */
export function jsonUsageErrors(program: Command): void {
  const walk = (command: Command): void => {
    command.exitOverride().configureOutput({ outputError: () => {}, writeErr: () => {} });
    for (const sub of command.commands) walk(sub);
  };
  walk(program);
}

/**
 * What a CommanderError thrown under jsonUsageErrors comes to: help and --version (exit code 0, already
 * printed on stdout) end quietly; a usage error is printed as JSON without commander's `error: `.
 */
export async function reportUsageError(error: CommanderError): Promise<number> {
  if (error.exitCode === 0) return 0;
  (await import("./json-error-print.ts")).printJsonError(new Error(error.message.replace(/^error: /, "")));
  return 1;
}
