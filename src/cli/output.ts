/**
 * Everything the CLI prints goes through here, so that colour appears only on a terminal (and never
 * with NO_COLOR), and every failure reads as one clear sentence per problem.
 */
import { createRequire } from "node:module";
import { type Diagnostic, formatDiagnostic, InputError } from "../model/diagnostics.ts";
import { failureOutcome } from "./exit-codes.ts";
import { stdoutClosed } from "./pipes.ts";

// picocolors is CommonJS: required, as program.ts requires commander, rather than imported through
// Node's CommonJS-in-ESM translation, which costs a short command several milliseconds.
const pc = createRequire(import.meta.url)("picocolors") as typeof import("picocolors");

const useColor = (stream: NodeJS.WriteStream): boolean =>
  Boolean(stream.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";

export const useColorOnStdout = useColor(process.stdout);
export const colors = pc.createColors(useColorOnStdout);
const errColors = pc.createColors(useColor(process.stderr));

export function out(line = ""): void {
  if (!stdoutClosed()) process.stdout.write(`${line}\n`);
}

/** Progress and notes go to stderr, so stdout stays the command's result (JSON, Markdown, a plan). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${errColors.yellow("warning:")} ${message}\n`);
}

function printDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(`${errColors.red("error:")} ${formatDiagnostic(d)}\n`);
  const files = new Set(diagnostics.map((d) => d.file)).size;
  const noun = diagnostics.length === 1 ? "error" : "errors";
  process.stderr.write(
    `${diagnostics.length} ${noun} in ${files} file${files === 1 ? "" : "s"}; nothing was changed.\n`,
  );
}

/**
 * Prints a failure and returns its exit code (exit-codes.ts, by the error's code): input problems are
 * listed; anything else is one line, and the code's hint, if it has one, a second.
 */
export function reportFailure(error: unknown): number {
  const { exitCode, hint } = failureOutcome(error);
  if (error instanceof InputError) {
    printDiagnostics(error.diagnostics);
    return exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${errColors.red("error:")} ${message}\n`);
  if (hint !== undefined) process.stderr.write(`${errColors.dim("hint:")} ${hint}\n`);
  if (process.env.SCOPECTL_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return exitCode;
}

/** Left-aligned columns for plain-text tables; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
