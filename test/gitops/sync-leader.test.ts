/**
 * One sync leader on an SQLite store (issue 14), with real processes and real git: two `scopectl sync`
 * loops follow one branch into one store file; only the leader fetches and applies (each commit is one
 * revision, whose audit rows carry it), the other stands by and says who leads; `sync --once` is refused
 * while a loop leads, naming it; `status` names the leader, as text and JSON; and after a SIGKILL of
 * the leader the other takes over (the dead process is seen before its lease runs out) and applies the
 * next commit. Times are printed as diagnostics, never asserted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { LEASE_MS } from "../../src/store/sqlite/sync-leader.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../support/cli.ts";
import { gitRemote } from "../support/git-remote.ts";
import { leaderOf, startScopectl, syncArgs, syncRevisions } from "../support/sync-processes.ts";
import { SYNC_FIXTURE, writeOrdersScopes } from "../support/sync-tenant.ts";
import { waitFor } from "../support/wait.ts";

/** A hang guard, not a measure. */
const GUARD = { deadlineMs: 60_000, everyMs: 50 };

async function applied(store: Store, sha: string): Promise<boolean> {
  return (await store.syncStatus())?.lastApplied?.sha === sha;
}

test("two scopectl sync loops on one SQLite store: one applies, the other stands by and takes over after a SIGKILL", {
  timeout: 300_000,
}, async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const store = await openSqliteStore(remote.store);
  t.after(() => store.close());
  const loops = ["a", "b"].map((name) =>
    startScopectl(t, name, ["sync", ...syncArgs(remote, name)], remote.store),
  );
  const head = remote.git("rev-parse", "HEAD");
  await waitFor("the first pass", () => applied(store, head), GUARD);
  const leader = await waitFor("a leader", () => leaderOf(store, loops), GUARD);
  const other = loops.find((loop) => loop !== leader) ?? assert.fail("no second loop");
  await waitFor(
    "the other loop to stand by",
    () =>
      other.logged(
        "sync: standing by: another loop leads this store's sync; this one serves and takes over when it is gone",
      ).length > 0,
    GUARD,
  );
  const standby = other.logged(
    "sync: standing by: another loop leads this store's sync; this one serves and takes over when it is gone",
  )[0];
  assert.equal(standby?.leader, (await store.syncLeader())?.holder, "the standby log names the leader");

  // Three commits, one after another: each applied once, by the leader.
  const pushed: string[] = [head];
  for (const names of [
    ["read:orders", "write:orders"],
    ["read:orders", "write:orders", "cancel:orders"],
    ["read:orders"],
  ]) {
    await writeOrdersScopes(remote, names);
    const sha = remote.push(`scopes ${names.join(" ")}`);
    pushed.push(sha);
    await waitFor(`commit ${sha}`, () => applied(store, sha), GUARD);
  }
  assert.deepEqual(
    (await syncRevisions(store)).map(([, sha]) => sha),
    pushed,
    "each commit is one revision, in order",
  );
  assert.equal(other.logged("sync: applied a commit").length, 0, "the standby applied nothing");
  assert.equal(leader.logged("sync: applied a commit").length, pushed.length);

  // sync --once while a loop leads: refused, naming it, and nothing happens.
  const holder = (await store.syncLeader())?.holder ?? assert.fail("no leader");
  const once = runCli(["sync", ...syncArgs(remote, "once"), "--once"], {
    env: { SCOPECTL_STORE: remote.store },
  });
  assert.equal(once.status, 1, once.stdout + once.stderr);
  assert.match(once.stderr, new RegExp(`another sync loop leads this store's sync \\(${holder}, since `));
  assert.equal((await syncRevisions(store)).length, pushed.length);

  // status names the leader, as text and as JSON.
  const text = runCli(["status", "--store", remote.store]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^ {2}leader: +${holder} \\(since `, "m"));
  const json = runCli(["status", "--store", remote.store, "--json"]);
  assert.equal((JSON.parse(json.stdout) as { leader: { holder: string } }).leader.holder, holder);

  // SIGKILL the leader (no release): the other takes over and applies the next commit.
  const lease = await leaseOf(remote.store);
  const killedAt = Date.now();
  await leader.kill();
  await writeOrdersScopes(remote, ["read:orders", "refund:orders"]);
  const next = remote.push("add refund:orders");
  pushed.push(next);
  const heir = await waitFor(
    "the takeover",
    async () => ((await leaderOf(store, loops)) === other ? other : undefined),
    GUARD,
  );
  const tookOverAt = Date.now();
  await waitFor("the next commit", () => applied(store, next), GUARD);
  t.diagnostic(
    `SQLite: SIGKILL to takeover ${tookOverAt - killedAt} ms, to the next commit applied ${Date.now() - killedAt} ms (lease ${LEASE_MS} ms)`,
  );
  assert.equal(heir, other);
  const since = Date.parse((await store.syncLeader())?.since ?? "");
  assert.ok(since < Date.parse(lease), "the dead leader's process was seen gone before its lease ran out");
  assert.deepEqual(
    (await syncRevisions(store)).map(([, sha]) => sha),
    pushed,
    "still each commit exactly once",
  );
  assert.equal(other.logged("sync: leading: this loop fetches and applies").length, 1);
});

/** The lease's expiry as the store file holds it now. */
async function leaseOf(file: string): Promise<string> {
  const Database = (await import("better-sqlite3")).default;
  const db = new Database(file, { readonly: true });
  try {
    return String(db.prepare("SELECT expires_at FROM sync_leaders WHERE id = 'default'").pluck().get());
  } finally {
    db.close();
  }
}
