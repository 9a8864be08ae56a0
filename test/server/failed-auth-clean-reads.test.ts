/**
 * FailedAuthLimiter's clean reads: a key read with no failure is answered from memory for
 * CLEAN_READ_MS (so a busy client costs no shared-table round trip per token), a failure at this
 * replica forgets it at once, and once the second has passed the shared count is read again: failures
 * counted elsewhere (another replica, here a second limiter on the same counts) then refuse.
 */
import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { CLEAN_READ_MS, FailedAuthLimiter } from "../../src/server/failed-auth-limiter.ts";
import type { RateLimitStore } from "../../src/store/rate-limits.ts";

/** Counts two limiters share, as replicas share the PostgreSQL table. */
function sharedCounts(): RateLimitStore {
  const made = new Map<string, RateLimiterMemory>();
  return {
    rateLimiter: (spec) => {
      let limiter = made.get(spec.keyPrefix);
      if (!limiter) {
        limiter = new RateLimiterMemory({
          points: spec.points,
          duration: spec.duration,
          keyPrefix: spec.keyPrefix,
        });
        made.set(spec.keyPrefix, limiter);
      }
      return limiter;
    },
  };
}

describe("failed-auth limiter clean reads", { timeout: 60_000 }, () => {
  test("a local failure forgets the clean read; elsewhere's failures count once it has lapsed", async () => {
    mock.timers.enable({ apis: ["Date"], now: Date.now() });
    try {
      const counts = sharedCounts();
      const here = new FailedAuthLimiter({ points: 3 }, counts);
      const elsewhere = new FailedAuthLimiter({ points: 3 }, counts);
      const key = FailedAuthLimiter.key("client", "192.0.2.1");
      assert.equal(await here.refusal(key), undefined, "clean: answered");

      for (let i = 0; i < 3; i++) assert.equal(await elsewhere.countFailure(key), undefined);
      assert.ok((await elsewhere.countFailure(key)) !== undefined, "the 4th failure is refused");
      // Within the clean read's second, this replica still answers the client's successes...
      assert.equal(await here.refusal(key), undefined);
      // ...and once it has lapsed, the shared count refuses them.
      mock.timers.tick(CLEAN_READ_MS + 1);
      assert.ok((await here.refusal(key)) !== undefined, "over the limit: refused");

      const other = FailedAuthLimiter.key("client", "192.0.2.2");
      assert.equal(await here.refusal(other), undefined);
      for (let i = 0; i < 3; i++) await here.countFailure(other);
      assert.ok((await here.refusal(other)) !== undefined, "a failure here is seen at once");
    } finally {
      mock.timers.reset();
    }
  });
});
