/**
 * engine/store-rows.ts through planFolder: a process that plans again at an unmoved rows version reuses
 * the rows it read, and reads again as soon as anything moves it (its own apply, another writer, a hand
 * edit in SQL).
 * A real SQLite file and a copy of config/.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import Database from "better-sqlite3";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { StoreRowsMemo } from "../../src/engine/store-rows.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

async function setUp(t: TestContext): Promise<{ store: Store; folder: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-store-rows-"));
  const folder = path.join(dir, "config");
  await cp(path.join(REPO_ROOT, "config"), folder, { recursive: true });
  const file = path.join(dir, "store.db");
  const store = await openSqliteStore(file);
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, folder, file };
}

const ctx = { actor: "test", managedBy: RECONCILER };

describe("the store's rows kept by revision", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a plan at an unmoved revision reuses the rows; an apply moves it and the next plan reads again", async (t) => {
    const { store, folder } = await setUp(t);
    const rows = new StoreRowsMemo();
    const first = await planFolder(store, folder, { rows });
    assert.ok(first.plan.changes.length > 0);
    await applyPlan(store, first.plan, ctx);

    const applied = await planFolder(store, folder, { rows });
    assert.equal(applied.plan.changes.length, 0, "the rows read after the apply are the applied ones");
    assert.deepEqual(rows.stats, { read: 2, reused: 0 });

    const again = await planFolder(store, folder, { rows });
    assert.equal(again.plan.changes.length, 0);
    assert.deepEqual(rows.stats, { read: 2, reused: 1 });

    // An edit to a manifest at the same revision: the kept rows, the edit's change.
    const users = path.join(folder, "users.yaml");
    await writeFile(users, (await readFile(users, "utf8")).replace("Alice Martin", "Alice M. Martin"));
    const edited = await planFolder(store, folder, { rows });
    assert.deepEqual(
      edited.plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      ["update User alice"],
    );
    assert.deepEqual(rows.stats, { read: 2, reused: 2 });
  });

  test("a write by another writer (another store on the file) moves the revision: the next plan sees it", async (t) => {
    const { store, folder, file } = await setUp(t);
    const rows = new StoreRowsMemo();
    await applyPlan(store, (await planFolder(store, folder, { rows })).plan, ctx);
    assert.equal((await planFolder(store, folder, { rows })).plan.changes.length, 0);

    // A hand edit through a second connection, as another process would make it: drift.
    const other = await openSqliteStore(file);
    try {
      const handEdit = { actor: "someone else", managedBy: RECONCILER };
      await other.transaction(
        async (tx) => {
          const alice = await tx.get("User", "alice");
          assert.ok(alice);
          await tx.put("User", "alice", { ...alice.props, displayName: "Mallory" }, handEdit);
        },
        { ctx: handEdit },
      );
    } finally {
      await other.close();
    }
    const drift = await planFolder(store, folder, { rows });
    assert.deepEqual(
      drift.plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      ["update User alice"],
    );
    assert.equal(rows.stats.read, 3);
  });

  test("a hand edit in SQL (the revision does not move) moves the write count: the next plan reads again", async (t) => {
    const { store, folder, file } = await setUp(t);
    const rows = new StoreRowsMemo();
    await applyPlan(store, (await planFolder(store, folder, { rows })).plan, ctx);
    assert.equal((await planFolder(store, folder, { rows })).plan.changes.length, 0);
    const revision = await store.revision();
    const db = new Database(file);
    try {
      db.prepare(
        "UPDATE resources SET props = replace(props, 'Alice Martin', 'Mallory') WHERE kind = 'User' AND id = 'alice'",
      ).run();
    } finally {
      db.close();
    }
    assert.equal(await store.revision(), revision, "a hand edit does not move the revision");
    const drift = await planFolder(store, folder, { rows });
    assert.deepEqual(
      drift.plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
      ["update User alice"],
    );
    assert.equal(rows.stats.read, 3);
  });

  test("the kept rows are frozen: a plan cannot change what the next one sees", async (t) => {
    const { store, folder } = await setUp(t);
    const rows = new StoreRowsMemo();
    await applyPlan(store, (await planFolder(store, folder, { rows })).plan, ctx);
    await planFolder(store, folder, { rows });
    const kept = rows.at(store, await store.rowsVersion());
    assert.ok(kept && kept.current.length > 0);
    const [row] = kept.current;
    assert.ok(row);
    assert.throws(() => {
      (row.props as unknown as Record<string, unknown>).x = 1;
    }, TypeError);
    assert.equal(rows.at(await openSqliteStoreLike(t), kept.version), undefined, "another store");
  });
});

/** A second, empty store: the memo answers only for the store it read. */
async function openSqliteStoreLike(t: TestContext): Promise<Store> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-store-rows-other-"));
  const store = await openSqliteStore(path.join(dir, "store.db"));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}
