/** Shared by the store tests: temp folders, write contexts and a spawner for child scripts. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import type { CommitInfo } from "../../src/model/resources.ts";
import type { WriteContext } from "../../src/store/resources.ts";

/** A temp folder for this test file, removed when the file's tests are done. */
export function tempDirs(prefix: string): () => Promise<string> {
  const made: string[] = [];
  after(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `scopectl-${prefix}-`));
    made.push(dir);
    return dir;
  };
}

export const commit = (sha: string): CommitInfo => ({
  sha,
  author: "Ada <ada@example.com>",
  subject: `commit ${sha.slice(0, 7)}`,
  dirty: false,
});

export const ctxOf = (actor: string, sha?: string, managedBy = "scopectl"): WriteContext =>
  sha ? { actor, managedBy, commit: commit(sha) } : { actor, managedBy };

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/**
 * Starts `node --import tsx test/store/fixtures/<script> ...args` with piped stdio, and the store it is
 * to open in its environment (SCOPECTL_STORE, as scopectl reads it): a PostgreSQL URL carries the
 * password, and a process's argv is visible to every user of the machine (`ps`), its environment is not.
 */
export function spawnFixture(script: string, args: string[], store: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(fixtures, script), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, SCOPECTL_STORE: store },
  });
}

/**
 * Collects a child's stdout lines and stderr from the moment it is called; `waitFor` resolves with the
 * first line (already seen or still to come) that satisfies `match`, and rejects if the child exits
 * without printing one.
 */
export function outputOf(child: ChildProcess): {
  lines: string[];
  stderr: () => string;
  waitFor: (match: (line: string) => boolean) => Promise<string>;
} {
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  let exited = false;
  const waiters: {
    match: (line: string) => boolean;
    resolve: (line: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      newline = buffer.indexOf("\n");
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.on("close", (code, signal) => {
    exited = true;
    for (const waiter of waiters.splice(0)) {
      waiter.reject(new Error(`child exited (code ${code}, signal ${signal}) first; stderr: ${stderr}`));
    }
  });
  return {
    lines,
    stderr: () => stderr,
    waitFor: (match) => {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      if (exited) return Promise.reject(new Error(`child exited first; stderr: ${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
  };
}

/** A promise and the function that resolves it: for a test to hold something open until it says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves when the child has exited, with its code and signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
