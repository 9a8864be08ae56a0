import assert from "node:assert/strict";
import { copyFile, rm } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { CREATED, newState, OLD_USERS, oldState } from "./fixtures/crash-rows.ts";
import { exited, outputOf, spawnFixture, tempDirs } from "./helpers.ts";

const tempDir = tempDirs("store-crash");

const RUNS = 60;
const PARALLEL = 4;
const OLD = oldState();
const NEW = newState();

/** Opens a store file as a crash left it and says which whole state it holds; fails on anything between. */
async function stateOf(file: string): Promise<"old" | "new"> {
  const store = await openSqliteStore(file);
  let revision: number;
  try {
    revision = await store.revision();
    assert.ok(revision === 1 || revision === 2, `revision ${revision}`);
    const expected = revision === 1 ? OLD : NEW;
    const rows = await store.listAll();
    assert.equal(rows.length, expected.size, `revision ${revision} with ${rows.length} rows`);
    for (const row of rows) {
      assert.equal(row.kind, "User");
      assert.equal(JSON.stringify(row.props), expected.get(row.id), `row ${row.id} at revision ${revision}`);
      assert.equal(row.createdRevision, row.id < "u-03000" ? 1 : 2);
      assert.equal(row.updatedRevision, revision, `row ${row.id} at revision ${revision}`);
    }
    assert.equal((await store.revisions()).length, revision);
    assert.equal((await store.audit(2)).length, revision === 2 ? OLD_USERS + CREATED : 0);
    assert.equal((await store.audit(1)).length, OLD_USERS);
  } finally {
    await store.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma("quick_check", { simple: true }), "ok");
  } finally {
    db.close();
  }
  return revision === 1 ? "old" : "new";
}

test(`SIGKILL at random moments of a large apply (${RUNS} runs) leaves the old revision or the new one, never between`, async () => {
  const dir = await tempDir();
  const template = path.join(dir, "template.db");
  const seed = await openSqliteStore(template);
  const ctx = { actor: "seed", managedBy: "scopectl" };
  await seed.transaction(
    async (tx) => {
      for (const [id, json] of OLD) await tx.put("User", id, JSON.parse(json), ctx);
    },
    { ctx },
  );
  await seed.close();
  assert.equal(await stateOf(template), "old");

  // One run to the end: the new state, and how long the transaction takes from `ready` to `committed`.
  const full = path.join(dir, "full.db");
  await copyFile(template, full);
  const calibration = spawnFixture("crash-child.ts", [full]);
  const out = outputOf(calibration);
  const committed = await out.waitFor((line) => line.startsWith("committed "));
  assert.deepEqual(await exited(calibration), { code: 0, signal: null }, out.stderr());
  assert.equal(await stateOf(full), "new");
  const txMs = Math.max(20, Number(committed.split(" ")[1]));

  const tally = { old: 0, new: 0, killedInTx: 0, killedAfterCommit: 0, finished: 0 };
  let next = 0;
  const worker = async () => {
    for (let run = next++; run < RUNS; run = next++) {
      const file = path.join(dir, `run-${run}.db`);
      await copyFile(template, file);
      const child = spawnFixture("crash-child.ts", [file]);
      const output = outputOf(child);
      try {
        await output.waitFor((line) => line === "ready");
        // Under load the transaction runs slower than in calibration; aim across it and its commit.
        await sleep(Math.random() * txMs * 2);
        child.kill("SIGKILL");
        const { signal, code } = await exited(child);
        const lines = output.lines;
        if (signal === null) {
          assert.equal(code, 0, output.stderr());
          tally.finished++;
        } else if (lines.some((l) => l.startsWith("committed"))) tally.killedAfterCommit++;
        else if (lines.includes("in-tx")) tally.killedInTx++;
        const state = await stateOf(file);
        tally[state]++;
        if (lines.some((l) => l.startsWith("committed"))) assert.equal(state, "new", `run ${run}`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await rm(file, { force: true });
        await rm(`${file}-wal`, { force: true });
        await rm(`${file}-shm`, { force: true });
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  console.log(`crash runs: ${JSON.stringify(tally)}; transaction takes ~${txMs} ms`);
  assert.equal(tally.old + tally.new, RUNS);
  // The kills landed on both sides of the commit, and many inside the transaction.
  assert.ok(tally.old >= 3, JSON.stringify(tally));
  assert.ok(tally.new >= 3, JSON.stringify(tally));
  assert.ok(tally.killedInTx >= 10, JSON.stringify(tally));
});
