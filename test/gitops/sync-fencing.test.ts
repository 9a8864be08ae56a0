/**
 * How the sync loop stays exactly-once across a change of leader (issue 14), in one process with real
 * git and a real SQLite store, the change of leader forced at the worst moments:
 * - a commit the old leader applied but did not record re-plans to nothing under the new leader: no
 *   second revision, and the status names the revision the old leader made;
 * - a leader that lost leadership after planning (its lease taken over) applies nothing and saves no
 *   status; its --once pass is refused, naming the new leader;
 * - an apply refused because the store moved between its plan and its transaction (another writer, a
 *   stalled former leader) is not skipped: the same commit is tried again at the next pass.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { pino } from "pino";
import { GitMirror } from "../../src/gitops/mirror.ts";
import { SyncLoop, type SyncOptions } from "../../src/gitops/sync.ts";
import { SyncLedElsewhereError } from "../../src/gitops/sync-leadership.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { gitRemote } from "../support/git-remote.ts";
import { syncRevisions } from "../support/sync-processes.ts";
import { SYNC_FIXTURE, writeOrdersScopes } from "../support/sync-tenant.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

async function setup(t: TestContext) {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const store = await openSqliteStore(remote.store);
  t.after(() => store.close());
  const loop = (holder: string, options: Partial<SyncOptions> = {}) => {
    const made = new SyncLoop({
      store,
      mirror: new GitMirror(remote.remote, "main", `${remote.cloneDir}-${holder}`),
      path: "config",
      logger: pino({ level: "silent" }),
      holder,
      ...options,
    });
    t.after(() => made.stop());
    return made;
  };
  return { remote, store, loop };
}

/** Ends the lease on the file as if its holder had stalled past it (another connection, as a peer would). */
function expireLease(file: string): void {
  const db = new Database(file);
  try {
    db.prepare("UPDATE sync_leaders SET expires_at = '2000-01-01T00:00:00.000Z'").run();
  } finally {
    db.close();
  }
}

describe("the sync loop across a change of leader", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a commit applied by the old leader but not recorded: no second revision under the new one", {
    timeout: 120_000,
  }, async (t) => {
    const { remote, store, loop } = await setup(t);
    const old = loop("old");
    await old.syncOnce();
    const recorded = (await store.syncStatus()) ?? assert.fail("no status");
    await writeOrdersScopes(remote, ["read:orders", "write:orders"]);
    const sha = remote.push("add write:orders");
    const done = await old.syncOnce();
    assert.equal(done.lastApplied?.sha, sha);
    const revision = done.lastApplied?.revision ?? assert.fail("no revision");
    // The old leader dies between its apply and its status: the store holds the status before it.
    await store.saveSyncStatus(recorded);
    await old.stop();

    const heir = await loop("heir").syncOnce();
    assert.equal(heir.lastApplied?.sha, sha);
    assert.equal(heir.lastApplied?.revision, revision, "the revision the old leader made");
    assert.equal(heir.state, "Synced");
    assert.deepEqual(
      (await syncRevisions(store)).map(([, applied]) => applied),
      [recorded.lastApplied?.sha, sha],
      "each commit one revision",
    );
  });

  test("a leader whose lease is taken over after it planned applies nothing and saves nothing", {
    timeout: 120_000,
  }, async (t) => {
    const { remote, store, loop } = await setup(t);
    const stalled = loop("stalled", {
      // Runs after the plan, right before the leadership check and the transaction: the lease runs
      // out here and another loop takes it.
      openSecrets: async () => {
        expireLease(remote.store);
        assert.ok(await store.tryLeadSync("successor"), "the successor could not take the lease");
        return { write: async () => {}, close: async () => {} };
      },
    });
    await assert.rejects(stalled.syncOnce(), (error: unknown) => {
      assert.ok(error instanceof SyncLedElsewhereError);
      assert.equal(error.leader?.holder, "successor");
      assert.match(error.message, /another sync loop leads this store's sync \(successor, since /);
      return true;
    });
    assert.equal(await store.revision(), 0, "nothing applied");
    assert.equal(await store.syncStatus(), undefined, "no status saved");
    assert.equal((await store.syncLeader())?.holder, "successor");
  });

  test("an apply refused for a stale revision is tried again at the next pass, not skipped", {
    timeout: 120_000,
  }, async (t) => {
    const { remote, store, loop } = await setup(t);
    let moveTheStore = false;
    const sync = loop("leader", {
      openSecrets: async () => {
        if (moveTheStore) {
          moveTheStore = false;
          // Another writer commits between this loop's plan and its transaction.
          await store.transaction(async () => {}, {
            ctx: { actor: "someone else", managedBy: "scopectl" },
          });
        }
        return { write: async () => {}, close: async () => {} };
      },
    });
    const first = await sync.syncOnce();
    await writeOrdersScopes(remote, ["read:orders", "write:orders"]);
    const sha = remote.push("add write:orders");
    moveTheStore = true;
    const refused = await sync.syncOnce();
    assert.equal(refused.state, "Failed");
    assert.equal(refused.lastApplied?.sha, first.lastApplied?.sha);
    assert.equal(refused.lastAttempted?.sha, first.lastApplied?.sha, "the cursor stays before the commit");
    assert.match(refused.error ?? "", /was not applied, and is retried at the next pass: .*make a new plan/);
    const retried = await sync.syncOnce();
    assert.equal(retried.state, "Synced");
    assert.equal(retried.lastApplied?.sha, sha);
    assert.deepEqual(
      (await syncRevisions(store)).map(([, applied]) => applied),
      [first.lastApplied?.sha, sha],
    );
  });
});
