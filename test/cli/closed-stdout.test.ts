/**
 * `scopectl history | head -1`: when the reader of stdout goes away, the CLI stops quietly (exit 0, no
 * stack on stderr), whatever the command. Each run spawns the real CLI, reads its first line, then
 * destroys the pipe while the command still has plenty to print.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { RECONCILER } from "../../src/model/resources.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { CLI_ARGV } from "../support/cli.ts";
import { gitTenant } from "../support/git-tenant.ts";
import { freePort } from "../support/net.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

/** Far more than a pipe buffers (64 KiB on Linux), so the CLI is still writing when the pipe closes. */
const LOG_ITEMS = 20_000;

let dir = "";
let store = "";
/** Children still running when a test times out are killed in `after`, so none outlives the suite. */
const children = new Set<ChildProcess>();

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

/**
 * Runs the CLI, reads its stdout up to the first line (or `until`), closes the pipe, calls
 * `afterClose` (to make a server write again), and returns how the child ended.
 */
async function readOneLineThenClose(
  args: readonly string[],
  {
    cwd = dir,
    afterClose = async () => {},
    until = /\n/,
  }: { cwd?: string; afterClose?: () => Promise<void>; until?: RegExp } = {},
) {
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
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
        if (until.test(text)) resolve(text.slice(0, text.indexOf("\n")));
      });
      child.once("exit", () => reject(new Error(`exited before printing a line; stderr:\n${stderr}`)));
    });
    child.stdout.destroy();
    await afterClose();
    const [code, signal] = await exited;
    return { first, code, signal, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("a closed stdout", { timeout: SUITE_TIMEOUT_MS }, () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-epipe-"));
    store = path.join(dir, "store.db");
    await seedStore(store);
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

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

  // JSON is the default on a pipe; pretty lines go the same way.
  for (const format of ["json", "pretty"]) {
    test(`scopectl up --log-format ${format} | head -1 stops serving gracefully at its next line`, {
      timeout: 90_000,
    }, async (t) => {
      const tenant = await gitTenant(t);
      const port = await freePort();
      let applied = false;
      const result = await readOneLineThenClose(
        [
          "up",
          "config",
          "--store",
          tenant.store,
          "--port",
          String(port),
          ...(format === "json" ? [] : ["--log-format", format]),
        ],
        {
          cwd: tenant.repo,
          // Up has printed everything by now: an edit makes it apply and log again, to the closed pipe.
          until: /^Watching /m,
          afterClose: async () => {
            await waitFor("up to serve", () =>
              fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`).then(
                (r) => r.ok,
                () => false,
              ),
            );
            const file = path.join(tenant.config, "roles.yaml");
            const text = await readFile(file, "utf8");
            await writeFile(file, text.replace("Maintains products, prices and stock", "closed stdout"));
            applied = true;
          },
        },
      );
      assert.ok(applied);
      assert.match(result.stderr, /SIGTERM: finishing in-flight requests, then stopping/);
      assert.doesNotMatch(result.stderr, /EPIPE|\n\s+at /, result.stderr);
      assert.equal(result.signal, null, result.stderr);
      assert.equal(result.code, 0, result.stderr);
    });
  }
});
