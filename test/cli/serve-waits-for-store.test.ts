/**
 * `scopectl serve` started while its PostgreSQL store cannot be reached (a replica coming up before the
 * database, or during a failover) waits for it, saying so, instead of exiting; and becomes ready once
 * the database answers. Another failure to open (a wrong password) is reported at once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { CLI_ARGV, runCli } from "../support/cli.ts";
import { freePort } from "../support/net.ts";
import { POSTGRES_PASSWORD, type PostgresCluster, startPostgres } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

describe("serve and an unreachable PostgreSQL store", { timeout: SUITE_TIMEOUT_MS }, () => {
  let cluster: PostgresCluster | undefined;
  let root = "";
  after(async () => {
    await cluster?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test("waits for the database, then serves; a refused login fails at once", {
    timeout: 180_000,
  }, async () => {
    cluster = await startPostgres();
    root = await mkdtemp(path.join(os.tmpdir(), "scopectl-serve-wait-"));
    const url = await cluster.database();
    const wrong = runCli(["serve", "--port", "0"], {
      cwd: root,
      env: { SCOPECTL_STORE: url.replace(encodeURIComponent(POSTGRES_PASSWORD), "wrong-password") },
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /password authentication failed/);
    assert.doesNotMatch(wrong.stderr, /wrong-password/);

    await cluster.stop();
    const port = await freePort();
    const child = spawn(process.execPath, [...CLI_ARGV, "serve", "--port", String(port)], {
      cwd: root,
      env: { ...process.env, SCOPECTL_STORE: url, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    try {
      await waitFor(
        "the note that serve waits",
        () =>
          /cannot be reached: waiting for it/.test(stderr) ||
          (child.exitCode !== null && assert.fail(stderr)),
        {
          deadlineMs: 60_000,
        },
      );
      assert.equal(child.exitCode, null, "serve is still running, waiting");
      assert.doesNotMatch(stderr, new RegExp(POSTGRES_PASSWORD));
      await cluster.start();
      await waitFor(
        "serve ready once the database answers",
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
        { deadlineMs: 60_000, everyMs: 200 },
      );
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });
});
