/**
 * Commands that only read the store, and `keys rotate` (a key in a new store would sign nothing that
 * is served), refuse a store file that does not exist (a mistyped --store, or a
 * folder where nothing was applied): they name the file and create nothing, instead of making an empty
 * store and reporting that it holds nothing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.ts";

for (const args of [["history"], ["keys", "list"], ["keys", "rotate"], ["explain", "user", "alice"]]) {
  test(`scopectl ${args.join(" ")} on a missing store is refused, not created`, {
    timeout: 60_000,
  }, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-nostore-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const store = path.join(dir, "typo", "store.db");
    const result = runCli([...args, "--store", store], { cwd: dir });
    assert.equal(result.status, 1, result.stdout);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^error: there is no store at .*typo\/store\.db: apply the manifests first/);
    assert.equal(existsSync(path.join(dir, "typo")), false, "nothing was created");
  });
}

for (const args of [
  ["history", "--json"],
  ["keys", "list", "--json"],
  ["explain", "user", "alice", "--json"],
]) {
  test(`scopectl ${args.join(" ")} on a missing store answers JSON`, { timeout: 60_000 }, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-nostore-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const result = runCli([...args, "--store", path.join(dir, "typo", "store.db")], { cwd: dir });
    assert.equal(result.status, 1);
    assert.equal(result.stderr, "");
    const { error } = JSON.parse(result.stdout) as { error: string };
    assert.match(error, /^there is no store at .*typo\/store\.db: apply the manifests first/);
  });
}
