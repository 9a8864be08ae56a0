/**
 * The store contract (issue 14), where the token service's failed-authentication limiters count, as
 * src/store/rate-limits.ts states it, on every backend (test/support/stores.ts): a limiter's points per
 * key and window, its operations the limiters use (consume, get, penalty, reward, delete), and whether
 * stores on one location share the counts (PostgreSQL: every replica; SQLite: one process, in memory).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RateLimiterRes } from "rate-limiter-flexible";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/** What a consume refused: the limiter's answer (an error would be a broken store, not a limit). */
async function refusal(consume: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    await consume;
  } catch (answer) {
    assert.ok(answer instanceof RateLimiterRes, `refused with ${String(answer)}, not a limiter answer`);
    return answer;
  }
  return assert.fail("the consume was granted");
}

forEachStore((backend) => {
  describe(`${backend.name} store: failed-authentication limits`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "a limiter grants its points per key and window, then refuses; keys and prefixes count apart",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store }) => {
          const limiter = store.rateLimiter({ points: 3, duration: 60, keyPrefix: "contract-a" });
          // The limiters join parts of a key with U+0000 (an email may hold anything).
          const key = "client\u0000web";
          for (const left of [2, 1, 0]) assert.equal((await limiter.consume(key, 1)).remainingPoints, left);
          const refused = await refusal(limiter.consume(key, 1));
          assert.equal(refused.remainingPoints, 0);
          assert.ok(refused.msBeforeNext > 0 && refused.msBeforeNext <= 60_000, String(refused.msBeforeNext));
          assert.equal((await limiter.consume("client\u0000cli", 1)).remainingPoints, 2, "another key");
          const other = store.rateLimiter({ points: 3, duration: 60, keyPrefix: "contract-b" });
          assert.equal((await other.consume(key, 1)).remainingPoints, 2, "another limiter's prefix");
        }),
    );

    test(
      "get, penalty, reward and delete: what the sign-in and client-auth limiters call",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store }) => {
          const limiter = store.rateLimiter({ points: 5, duration: 60, keyPrefix: "contract-ops" });
          assert.equal(await limiter.get("203.0.113.7"), null);
          assert.equal((await limiter.penalty("203.0.113.7", 2)).consumedPoints, 2);
          assert.equal((await limiter.get("203.0.113.7"))?.consumedPoints, 2);
          assert.equal((await limiter.reward("203.0.113.7", 1)).consumedPoints, 1);
          assert.equal((await limiter.consume("203.0.113.7", 1)).remainingPoints, 3);
          await limiter.delete("203.0.113.7");
          assert.equal(await limiter.get("203.0.113.7"), null);
          assert.equal((await limiter.consume("203.0.113.7", 1)).remainingPoints, 4, "counting starts again");
        }),
    );

    test(
      `two stores on one location ${backend.sharedLimits ? "share" : "do not share"} the counts`,
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, reopen }) => {
          const spec = { points: 2, duration: 60, keyPrefix: "contract-shared" };
          const here = store.rateLimiter(spec);
          const there = (await reopen()).rateLimiter(spec);
          await here.consume("k", 1);
          await here.consume("k", 1);
          if (backend.sharedLimits) {
            assert.equal((await refusal(there.consume("k", 1))).remainingPoints, 0);
            assert.equal((await there.get("k"))?.consumedPoints, 3);
          } else {
            assert.equal((await there.consume("k", 1)).remainingPoints, 1);
            assert.equal((await refusal(here.consume("k", 1))).remainingPoints, 0);
          }
        }),
    );
  });
});
