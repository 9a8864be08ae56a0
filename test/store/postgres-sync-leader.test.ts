/**
 * What only PostgreSQL's sync leadership has (the contract is test/store/sync-state.test.ts): the
 * session-level advisory lock ends with its session, so a leader whose connection the server ends
 * loses leadership (`lost` aborts) and another leads at once; a row left behind by a dead session names
 * nobody; and a stopped server ends leadership without crashing the process, which leads again once the
 * server is back, without a reopen.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import pg from "pg";
import { openStore } from "../../src/store/open.ts";
import { syncLockKey } from "../../src/store/postgres/sync-leader.ts";
import type { Store } from "../../src/store/store.ts";
import { type PostgresCluster, startPostgres } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

let cluster: PostgresCluster | undefined;
after(async () => {
  await cluster?.destroy();
});

async function twoStores(): Promise<{ url: string; a: Store; b: Store; close: () => Promise<void> }> {
  cluster ??= await startPostgres();
  const url = await cluster.database();
  const a = await openStore(url);
  const b = await openStore(url);
  return { url, a, b, close: async () => void (await Promise.allSettled([a.close(), b.close()])) };
}

/** Runs one statement on a connection of its own. */
async function sql(url: string, text: string, values: unknown[] = []): Promise<unknown[][]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query({ text, values, rowMode: "array" })).rows as unknown[][];
  } finally {
    await client.end();
  }
}

describe("PostgreSQL sync leadership", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the server ending the leader's session: lost aborts, another leads at once, the old row names nobody", {
    timeout: 120_000,
  }, async () => {
    const { url, a, b, close } = await twoStores();
    try {
      const first = (await a.tryLeadSync("web-1:1")) ?? assert.fail("web-1 could not lead");
      assert.equal(await b.tryLeadSync("web-2:2"), undefined);
      // The lock is in pg_locks under the documented key, held by one session.
      const holders = await sql(
        url,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND objid = $1::int8::oid AND granted",
        [syncLockKey("default")],
      );
      assert.equal(holders.length, 1);
      await sql(url, "SELECT pg_terminate_backend($1)", [holders[0]?.[0]]);
      await waitFor("lost to abort", () => first.lost.aborted, { deadlineMs: 30_000 });
      assert.equal(await first.verify(), false);
      // The row is still there, but no session holds the lock: nobody is named.
      assert.equal((await sql(url, "SELECT holder FROM sync_leaders"))[0]?.[0], "web-1:1");
      assert.equal(await b.syncLeader(), undefined);
      const second = (await b.tryLeadSync("web-2:2")) ?? assert.fail("web-2 could not take over");
      assert.equal((await a.syncLeader())?.holder, "web-2:2");
      assert.equal(await second.verify(), true);
      await first.release(); // a lost leadership's release is harmless, and frees nothing of web-2's
      assert.equal((await a.syncLeader())?.holder, "web-2:2");
      await second.release();
      assert.equal(await a.syncLeader(), undefined);
      assert.deepEqual(await sql(url, "SELECT count(*)::int FROM sync_leaders"), [[0]]);
    } finally {
      await close();
    }
  });

  test("a stopped server: lost aborts, no crash, leading fails as unavailable; once back, it leads again", {
    timeout: 180_000,
  }, async () => {
    const { a, close } = await twoStores();
    const live = cluster ?? assert.fail("no cluster");
    try {
      const first = (await a.tryLeadSync("web-1:1")) ?? assert.fail("web-1 could not lead");
      await live.stop();
      try {
        await waitFor("lost to abort", () => first.lost.aborted, { deadlineMs: 30_000 });
        await assert.rejects(a.tryLeadSync("web-1:1"), { code: "store.unavailable" });
      } finally {
        await live.start();
      }
      const again = await waitFor("leading again", () => a.tryLeadSync("web-1:1").catch(() => undefined), {
        deadlineMs: 60_000,
        everyMs: 250,
      });
      assert.equal((await a.syncLeader())?.holder, "web-1:1");
      await again.release();
    } finally {
      await close();
    }
  });

  test("closing the store ends its leadership's session: another leads at once", {
    timeout: 120_000,
  }, async () => {
    const { a, b, close } = await twoStores();
    try {
      assert.ok(await a.tryLeadSync("web-1:1"));
      await a.close();
      const next = (await b.tryLeadSync("web-2:2")) ?? assert.fail("the lock outlived its store");
      await next.release();
    } finally {
      await close();
    }
  });
});
