/**
 * LoginLimiter on its own, for what HTTP tests cannot reach in reasonable time: the per-account attack
 * rule spans the account's window, not the shorter per-address one; bad options are refused by name.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LOGIN_LIMITS, LoginLimiter } from "../../src/server/login/login-limiter.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const EMAIL = "alice@example.com";

/** One attempt that fails (when allowed); whether it was allowed. */
async function fail(limiter: LoginLimiter, address: string): Promise<boolean> {
  const attempt = await limiter.reserve(EMAIL, address);
  if (!attempt.allowed) return false;
  await attempt.failed();
  return true;
}

describe("LoginLimiter", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("under attack, an address that tried the account within the hour gets nothing more when its short window ends", async () => {
    // The per-address window is 1 s here (15 minutes by default); the account's stays an hour.
    const limiter = new LoginLimiter({ windowSeconds: 1 });
    for (const address of ["10.0.0.1", "10.0.0.2"]) {
      for (let i = 0; i < LOGIN_LIMITS.pairPoints; i++) assert.ok(await fail(limiter, address));
    }
    // 10 failures: the account is under attack. A third address gets one attempt, not a second.
    assert.ok(await fail(limiter, "10.0.0.3"));
    assert.equal(await fail(limiter, "10.0.0.3"), false);

    await sleep(1_500); // past the 1 s window: the per-address counts start again
    for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) {
      const attempt = await limiter.reserve(EMAIL, address);
      assert.equal(attempt.allowed, false, `${address} tried the account within the hour`);
      if (!attempt.allowed) assert.ok(attempt.retryAfterSeconds > 1, "until the account's window ends");
    }
    assert.ok(await fail(limiter, "10.0.0.4"), "a fresh address still gets its one attempt");
  });

  test("a limit that is not a whole number of at least 1 (or too long for a timer) is refused by name", () => {
    for (const [name, value] of [
      ["pairPoints", 0],
      ["windowSeconds", 1.5],
      ["knownAddressSeconds", 30 * 24 * 60 * 60],
    ] as const) {
      assert.throws(
        () => new LoginLimiter({ [name]: value }),
        new RegExp(`^RangeError: login limit ${name} `),
      );
    }
  });
});
