/** Runs the real CLI in a child process, as a user would, and captures what it prints. */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The newest modification time of `file`, or of the files under it when it is a folder (0: none). */
function newestUnder(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return stat?.mtimeMs ?? 0;
  let newest = 0;
  for (const entry of readdirSync(file, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** What `npm run build` makes dist/cli from: the sources and the build's own steps. */
const BUILD_INPUTS = ["src", "tsconfig.build.json", "scripts/build-startup.mjs"];

/**
 * What follows `node` to run the CLI: the built one (`bin/scopectl.js`, what users install) when dist/
 * was built after every build input last changed, else the sources through tsx. A child through tsx
 * costs about 1.4 s of CPU for `validate config` against 0.27 s built (it compiles the validators and
 * transforms each module), and the suite starts hundreds. `npm test` builds first, so it always runs
 * the built CLI; a test file run alone after an edit of src/ runs the sources, never a stale build.
 * `SCOPECTL_TEST_CLI=src` forces the sources.
 */
function cliArgv(): readonly string[] {
  const builtAt = newestUnder(path.join(REPO_ROOT, "dist/cli/main.js"));
  const inputsAt = Math.max(...BUILD_INPUTS.map((input) => newestUnder(path.join(REPO_ROOT, input))));
  if (process.env.SCOPECTL_TEST_CLI !== "src" && builtAt > 0 && builtAt >= inputsAt) {
    return [path.join(REPO_ROOT, "bin/scopectl.js")];
  }
  // Resolved here, not from the child's working folder (a temp repository has no node_modules).
  return ["--import", import.meta.resolve("tsx"), path.join(REPO_ROOT, "src/cli/main.ts")];
}

/** `node ...CLI_ARGV ...args` runs the CLI: see cliArgv. */
export const CLI_ARGV: readonly string[] = cliArgv();

/** `words` as one POSIX shell command line: each word single-quoted, its own quotes escaped. */
export function shellCommand(words: readonly string[]): string {
  return words.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
}

/** The CLI as a shell command line, for scripts that stand in for `npx scopectl`; append `"$@"`. */
export const CLI_SHELL = shellCommand([process.execPath, ...CLI_ARGV]);

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
  const result = spawnSync(process.execPath, [...CLI_ARGV, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * runCli without blocking this process: for a CLI that calls a server the test itself runs (spawnSync
 * would stop that server's event loop while the child waits for it). Killed after `timeoutMs`.
 */
export async function runCliAsync(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const [code] = (await once(child, "close")) as [number | null];
    return { status: code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
