/**
 * The PostgreSQL store's rate limiters (src/store/postgres/rate-limits.ts) against a real server: one
 * count for every store on the database, one atomic statement per consume (parallel consumes at two
 * stores never pass the limit), any key (U+0000 included), memory as insurance while the server is
 * stopped and the table again once it is back, a statement held up by a row lock counted in memory and
 * taken back from the table when it lands, and one expiry sweep per store that stops on close.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { openStore } from "../../src/store/open.ts";
import { PostgresDatabase } from "../../src/store/postgres/database.ts";
import {
  PostgresRateLimits,
  RETRY_AFTER_MS,
  STATEMENT_TIMEOUT_MS,
} from "../../src/store/postgres/rate-limits.ts";
import type { Store } from "../../src/store/store.ts";
import { postgresForFile, startPostgres } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

const postgres = postgresForFile();
const TEST_TIMEOUT_MS = 120_000;

/** Stores on a fresh database (migrated by the first), closed after the test. */
async function storesOn(t: { after(fn: () => Promise<unknown>): void }, url: string, count: number) {
  const stores: Store[] = [];
  t.after(() => Promise.allSettled(stores.map((store) => store.close())));
  for (let i = 0; i < count; i++) stores.push(await openStore(url));
  return stores;
}

/** The points the table holds for `key` of `prefix` (escaped as the limiters write it), or undefined. */
async function tablePoints(url: string, prefix: string, key: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const escaped = key.replaceAll("%", "%25").replaceAll("\u0000", "%00");
    const result = await client.query<{ points: number }>(
      "SELECT points FROM rate_limits WHERE key = $1 AND expire > $2",
      [`${prefix}:${escaped}`, Date.now()],
    );
    return result.rows[0]?.points;
  } finally {
    await client.end();
  }
}

/** Whether consume granted the point (resolved) or refused it (a RateLimiterRes); anything else throws. */
async function granted(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key, 1);
    return true;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return false;
    throw rejection;
  }
}

describe("PostgreSQL rate limits", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("two replicas share one count; 40 parallel consumes at both grant exactly the limit", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const url = await postgres.database();
    await (await openStore(url)).close(); // migrated
    // Each replica's limits, with a statement timeout no loaded machine reaches: what is tested here is
    // the table's atomicity, not the fallback to memory of a slow statement (tested below).
    const databases = [new PostgresDatabase(url, 5000), new PostgresDatabase(url, 5000)];
    t.after(() => Promise.allSettled(databases.map((db) => db.close())));
    const spec = { points: 10, duration: 60, keyPrefix: "parallel" };
    const limiters = databases.map((db) => new PostgresRateLimits(db, 60_000).rateLimiter(spec));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => granted(limiters[i % 2] as RateLimiterAbstract, "10.0.0.1")),
    );
    assert.equal(answers.filter(Boolean).length, 10);
    assert.equal(await tablePoints(url, "parallel", "10.0.0.1"), 40, "each consume counted once");
    const seen = await limiters[1]?.get("10.0.0.1");
    assert.equal(seen?.consumedPoints, 40);
  });

  test("keys with U+0000 and % are counted apart, and get, set, penalty, reward and delete reach the table", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const url = await postgres.database();
    const [a, b] = (await storesOn(t, url, 2)) as [Store, Store];
    const spec = { points: 5, duration: 60, keyPrefix: "keys" };
    const [first, second] = [a.rateLimiter(spec), b.rateLimiter(spec)];
    const nul = "10.0.0.1\u0000alice@example.com";
    const percent = "10.0.0.1%00alice@example.com";
    await first.consume(nul, 2);
    await first.consume(percent, 1);
    assert.equal(await tablePoints(url, "keys", nul), 2);
    assert.equal(await tablePoints(url, "keys", percent), 1);
    assert.equal((await second.get(nul))?.consumedPoints, 2);
    assert.equal((await second.penalty(nul, 1)).consumedPoints, 3);
    assert.equal((await first.reward(nul, 2)).consumedPoints, 1);
    await second.set(percent, 4, 30);
    assert.equal((await first.get(percent))?.consumedPoints, 4);
    assert.equal(await second.delete(nul), true);
    assert.equal(await first.get(nul), null);
    assert.equal(await tablePoints(url, "keys", nul), undefined);
  });

  test("while the server is stopped every operation answers from memory; once it is back the table counts again", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const cluster = await startPostgres();
    t.after(() => cluster.destroy());
    const url = await cluster.database();
    const [a, b] = (await storesOn(t, url, 2)) as [Store, Store];
    const spec = { points: 3, duration: 60, keyPrefix: "outage" };
    const [first, second] = [a.rateLimiter(spec), b.rateLimiter(spec)];
    await first.consume("before", 1);

    await cluster.stop();
    // Per store now: three points at the first, then a refusal, whatever the other store did.
    for (let i = 0; i < 3; i++) assert.ok(await granted(first, "during"), `consume ${i + 1}`);
    assert.equal(await granted(first, "during"), false, "the insurance keeps the limit per store");
    assert.ok(await granted(second, "during"), "the other store counts its own meanwhile");
    await first.penalty("during-other", 1);
    await first.reward("during-other", 1);
    await first.set("blocked", 1, 30);
    assert.equal((await first.get("blocked"))?.consumedPoints, 1);
    assert.equal(await first.delete("blocked"), true);

    await cluster.start();
    // The table is tried again RETRY_AFTER_MS after the last failure, with no restart of anything.
    await waitFor(
      "a consume counted in the table again",
      async () => {
        await first.consume("after", 1).catch(() => undefined);
        return (await tablePoints(url, "outage", "after")) !== undefined;
      },
      { deadlineMs: 30_000, everyMs: RETRY_AFTER_MS / 2 },
    );
    // The other store tries the table again on its own schedule; then it reads what the table kept.
    await waitFor("the other store reading the table again", async () => {
      return (await second.get("before"))?.consumedPoints === 1;
    });
  });

  test("a statement held up by a row lock is answered from memory, and its point is taken back from the table when it lands", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const url = await postgres.database();
    const [store] = (await storesOn(t, url, 1)) as [Store];
    const limiter = store.rateLimiter({ points: 10, duration: 60, keyPrefix: "slow" });
    await limiter.consume("busy", 1);
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    t.after(() => locker.end());
    await locker.query("BEGIN");
    await locker.query("SELECT points FROM rate_limits WHERE key = 'slow:busy' FOR UPDATE");

    const started = Date.now();
    const answer = await limiter.consume("busy", 1);
    assert.ok(Date.now() - started >= STATEMENT_TIMEOUT_MS - 50, "it waited for the statement first");
    assert.equal(answer.consumedPoints, 1, "memory's count: the table did not answer in time");
    // Right after the timeout, another key goes to memory at once: the table is skipped for a moment.
    await limiter.consume("other", 1);
    await locker.query("COMMIT");
    await waitFor("the late consume taken back", async () => (await tablePoints(url, "slow", "busy")) === 1, {
      deadlineMs: 10_000,
      everyMs: 50,
    });
    assert.equal(await tablePoints(url, "slow", "other"), undefined, "counted in memory only");
  });

  test("one expiry sweep per store, every five minutes, deleting rows that expired over an hour ago; it stops on close", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const url = await postgres.database();
    await (await openStore(url)).close(); // migrated
    t.mock.timers.enable({ apis: ["setInterval"] });
    const db = new PostgresDatabase(url, 5000);
    t.after(() => db.close());
    const sweeps: string[] = [];
    const query = db.pool.query.bind(db.pool);
    t.mock.method(db.pool, "query", (text: unknown, ...rest: unknown[]) => {
      if (typeof text === "string" && text.startsWith("DELETE FROM rate_limits")) sweeps.push(text);
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    });
    const limits = new PostgresRateLimits(db);
    for (const keyPrefix of ["one", "two", "three"])
      limits.rateLimiter({ points: 1, duration: 60, keyPrefix });
    const old = Date.now() - 2 * 60 * 60_000;
    await db.pool.query("INSERT INTO rate_limits VALUES ('one:old', 1, $1), ('one:new', 1, $2)", [
      old,
      Date.now() + 60_000,
    ]);

    t.mock.timers.tick(5 * 60_000);
    assert.equal(sweeps.length, 1, "one sweep for three limiters");
    await waitFor("the old row deleted", async () => {
      const { rows } = await db.pool.query<{ key: string }>("SELECT key FROM rate_limits ORDER BY key");
      return rows.length === 1 && rows[0]?.key === "one:new";
    });
    await db.close();
    t.mock.timers.tick(15 * 60_000);
    await sleep(10);
    assert.equal(sweeps.length, 1, "no sweep after close");
  });
});
