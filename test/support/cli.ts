/** Runs the real CLI in a child process, as a user would, and captures what it prints. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
// Resolved here, not from the child's working folder (a temp repository has no node_modules).
const TSX = import.meta.resolve("tsx");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: readonly string[],
  /** `input`: what the child reads on stdin (a pipe, not a terminal). */
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const result = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
