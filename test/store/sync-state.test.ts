/**
 * The store contract (issue 14), what the git sync loop keeps in the store: its status (saved after
 * every pass, read by `scopectl status` and `GET /v1/sync` in other processes) and its leadership (at
 * most one loop applies), as src/store/sync-status.ts and src/store/sync-leader.ts state them, on every
 * backend (test/support/stores.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";
import { alice } from "./fixtures/samples.ts";
import { exited, outputOf, spawnFixture } from "./helpers.ts";

const T0 = "2030-01-01T00:00:00.000Z";
const T1 = "2030-01-01T00:01:00.000Z";

/** A status with every optional field, and drift values of any JSON (a drifted prop may hold a NUL). */
const FULL: SyncStatus = {
  state: "Failed",
  reason: "CommitFailed",
  repo: "https://git.example.com/tenant.git",
  branch: "main",
  path: "config/prod",
  head: "c".repeat(40),
  lastApplied: { sha: "a".repeat(40), subject: "good", author: "A <a@x>", time: T0, revision: 3 },
  lastAttempted: {
    sha: "c".repeat(40),
    subject: "bad — ünïcode",
    author: "B <b@x>",
    time: T1,
    error: "apis.yaml:4:1: YAML syntax error",
    reason: "CommitFailed",
  },
  error: "commit cccccccccccc (bad): apis.yaml:4:1: YAML syntax error",
  rewrite: { from: "b".repeat(40), to: "a".repeat(40), time: T0 },
  drift: [
    {
      action: "update",
      kind: "Api",
      id: "orders",
      diff: [
        { path: "displayName", before: "Orders", after: "Orders \u0000 edited" },
        { path: "meta", before: { a: [1, null] }, after: null },
      ],
    },
    {
      action: "delete",
      kind: "Role",
      id: "clerk",
      diff: [{ path: "scopes", added: ["x"], removed: ["y", "z"] }],
    },
  ],
  checkedAt: T1,
};

/** The smallest status: what a first pass that applied nothing saves. */
const SMALL: SyncStatus = {
  state: "Synced",
  repo: "https://git.example.com/tenant.git",
  branch: "main",
  path: ".",
  drift: [],
  checkedAt: T1,
};

forEachStore((backend) => {
  describe(`${backend.name} store: sync status`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "a saved status comes back as saved, per sync target, and is replaced whole",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, reopen }) => {
          assert.equal(await store.syncStatus(), undefined);
          await store.saveSyncStatus(FULL);
          assert.deepEqual(await store.syncStatus(), FULL);
          assert.deepEqual(await store.syncStatus("default"), FULL);
          assert.equal(await store.syncStatus("other"), undefined);
          await store.saveSyncStatus(SMALL, "other");
          // Another process (status, the /v1 views) reads what the loop saved.
          const reader = await reopen();
          assert.deepEqual(await reader.syncStatus(), FULL);
          assert.deepEqual(await reader.syncStatus("other"), SMALL);
          // A later status replaces the earlier one: nothing of the earlier one (its error, its drift) stays.
          await store.saveSyncStatus(SMALL);
          assert.deepEqual(await reader.syncStatus(), SMALL);
          assert.equal("error" in ((await reader.syncStatus()) ?? {}), false);
        }),
    );

    test(
      "saving a status is runtime state: no revision, no audit row, no keys version",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store }) => {
          await store.transaction((tx) => tx.put("Api", "a", { audience: "a", displayName: "A" }, alice), {
            ctx: alice,
          });
          const before = [
            await store.revision(),
            await store.revisions(),
            await store.audit(),
            await store.keysVersion(),
          ];
          await store.saveSyncStatus(FULL);
          await store.saveSyncStatus(SMALL, "other");
          assert.deepEqual(
            [await store.revision(), await store.revisions(), await store.audit(), await store.keysVersion()],
            before,
          );
        }),
    );
  });

  describe(`${backend.name} store: sync leadership`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "one leader per sync target: the others are answered at once, status names the leader, release hands over",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, reopen }) => {
          const other = await reopen();
          assert.equal(await store.syncLeader(), undefined);
          const started = Date.now();
          const first =
            (await store.tryLeadSync("web-1:101")) ?? assert.fail("nobody led, yet web-1 could not");
          try {
            assert.equal(first.holder, "web-1:101");
            assert.equal(first.lost.aborted, false);
            assert.equal(await first.verify(), true);
            assert.equal(await other.tryLeadSync("web-2:202"), undefined, "a second leader of one target");
            assert.equal(
              await store.tryLeadSync("web-3:303"),
              undefined,
              "a second leader from the same store",
            );
            for (const reader of [store, other]) {
              const leader = (await reader.syncLeader()) ?? assert.fail("no leader named");
              assert.equal(leader.holder, "web-1:101");
              assert.equal(new Date(leader.since).toISOString(), leader.since);
              assert.ok(
                Date.parse(leader.since) >= started - 1000 && Date.parse(leader.since) <= Date.now() + 1000,
              );
            }
            assert.deepEqual(await other.syncLeader("default"), await other.syncLeader());

            // Another sync target has a leader of its own.
            const elsewhere =
              (await other.tryLeadSync("web-2:202", "staging")) ?? assert.fail("staging not led");
            assert.equal((await store.syncLeader("staging"))?.holder, "web-2:202");
            assert.equal((await store.syncLeader())?.holder, "web-1:101");
            await elsewhere.release();
            assert.equal(await store.syncLeader("staging"), undefined);

            await first.release();
            await first.release();
            assert.equal(first.lost.aborted, false, "a release is not a loss");
            assert.equal(await first.verify(), false, "released, it leads no more");
            assert.equal(await other.syncLeader(), undefined);
            const second =
              (await other.tryLeadSync("web-2:202")) ?? assert.fail("released, yet web-2 could not lead");
            assert.equal((await store.syncLeader())?.holder, "web-2:202");
            assert.equal(await second.verify(), true);
            await second.release();
          } finally {
            await first.release();
          }
        }),
    );

    test(
      "a SIGKILLed leader's leadership is taken over, with no release",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, location }) => {
          const child = spawnFixture("lead-child.ts", ["doomed:1"], location);
          const output = outputOf(child);
          try {
            assert.equal(
              await output.waitFor((line) => line === "leading" || line === "standing by"),
              "leading",
            );
            assert.equal((await store.syncLeader())?.holder, "doomed:1");
            assert.equal(await store.tryLeadSync("heir:2"), undefined, "led by the child still");
            child.kill("SIGKILL");
            await exited(child);
            // A hang guard, not a measure: the 10 s for a takeover is the sync loop's test.
            const heir = await waitFor("the heir to lead", () => store.tryLeadSync("heir:2"), {
              deadlineMs: 30_000,
            });
            try {
              assert.equal((await store.syncLeader())?.holder, "heir:2");
              assert.equal(await heir.verify(), true);
            } finally {
              await heir.release();
            }
          } finally {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            await exited(child);
          }
        }),
    );
  });
});
