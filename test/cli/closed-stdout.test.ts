/**
 * `scopectl history | head -1`: when the reader of stdout goes away, the CLI stops quietly (exit 0, no
 * stack on stderr), whatever the command. Each run spawns the real CLI, reads its first line, then
 * destroys the pipe while the command still has plenty to print.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { RECONCILER } from "../../src/model/resources.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import { REPO_ROOT } from "../support/cli.ts";

const TSX = import.meta.resolve("tsx");
const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
/** Far more than a pipe buffers (64 KiB on Linux), so the CLI is still writing when the pipe closes. */
const LOG_ITEMS = 20_000;

let dir = "";
let store = "";

/** A store holding one OpenAPI import with a long log: `history --import 1` prints a line per item. */
async function seedStore(file: string): Promise<void> {
  const db = await openSqliteStore(file);
  try {
    const log = Array.from({ length: LOG_ITEMS }, (_, i) => ({
      action: "created" as const,
      scope: `get:items_${i}`,
      method: "get" as const,
      path: `/items/${i}`,
    }));
    await db.transaction(
      (tx) =>
        tx.addImport({
          source: "big-spec",
          api: "big",
          action: "upload",
          file: { path: "specs/big.yaml", sha256: "0".repeat(64), size: 1 },
          log,
        }),
      { ctx: { actor: "test", managedBy: RECONCILER } },
    );
  } finally {
    await db.close();
  }
}

/** Runs the CLI, reads its first stdout line, closes the pipe, and returns how the child ended. */
async function readOneLineThenClose(args: readonly string[]) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, "exit");
  try {
    const first = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const end = text.indexOf("\n");
        if (end >= 0) resolve(text.slice(0, end));
      });
      child.once("exit", () => reject(new Error(`exited before printing a line; stderr:\n${stderr}`)));
    });
    child.stdout.destroy();
    const [code, signal] = await exited;
    return { first, code, signal, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("a closed stdout", { timeout: 120_000 }, () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-epipe-"));
    store = path.join(dir, "store.db");
    await seedStore(store);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const args of [
    ["history", "--import", "1"],
    ["history", "--json"],
  ]) {
    test(`scopectl ${args.join(" ")} | head -1 exits quietly`, { timeout: 60_000 }, async () => {
      const result = await readOneLineThenClose([...args, "--store", store]);
      assert.ok(result.first.length > 0);
      assert.doesNotMatch(result.stderr, /EPIPE|Error|\n\s+at /, result.stderr);
      assert.equal(result.signal, null, result.stderr);
      assert.equal(result.code, 0, result.stderr);
    });
  }
});
