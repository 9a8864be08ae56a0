/**
 * The address a limiter counts: one key per IPv4 address and per IPv6 /64 (what one host or one LAN
 * usually holds: a client picks any address of its /64 at will), with an IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 clients) counted as the IPv4 address. Unit
 * level: clientAddressKey itself, and LoginLimiter fed addresses as loginHandler feeds it socket ones.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FailedAuthLimiter } from "../../src/server/failed-auth-limiter.ts";
import { clientAddressKey } from "../../src/server/http/client-address.ts";
import { LOGIN_LIMITS, LoginLimiter } from "../../src/server/login/login-limiter.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/** One attempt at `email` from `address` that fails when allowed; whether it was allowed. */
async function fail(limiter: LoginLimiter, email: string, address: string): Promise<boolean> {
  const attempt = await limiter.reserve(email, address);
  if (!attempt.allowed) return false;
  await attempt.failed();
  return true;
}

describe("clientAddressKey", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an IPv4 address is its own key; every spelling of an IPv4-mapped one is that IPv4 address", () => {
    for (const address of [
      "10.0.0.1",
      "::ffff:10.0.0.1",
      "::FFFF:10.0.0.1",
      "::ffff:a00:1",
      "0:0:0:0:0:ffff:a00:1",
    ]) {
      assert.equal(clientAddressKey(address), "10.0.0.1", address);
    }
    assert.equal(clientAddressKey("127.0.0.2"), "127.0.0.2");
  });

  test("an IPv6 address counts as its /64, whatever its spelling or zone", () => {
    const key = "2001:db8:1:1::/64";
    for (const address of [
      "2001:db8:1:1::1",
      "2001:db8:1:1:ffff:ffff:ffff:ffff",
      "2001:0DB8:0001:0001:0:0:0:abcd",
      "2001:db8:1:1::1%eth0",
    ]) {
      assert.equal(clientAddressKey(address), key, address);
    }
    assert.equal(clientAddressKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    assert.equal(clientAddressKey("::1"), "::/64");
    assert.equal(clientAddressKey("fe80::1%lo0"), "fe80::/64");
  });

  test("no address (a socket already closed) and a string that is no IP address keep one key each", () => {
    assert.equal(clientAddressKey(undefined), "unknown");
    assert.equal(clientAddressKey(""), "unknown");
    assert.equal(clientAddressKey("not an address"), "not an address");
  });
});

describe("LoginLimiter counts an address by its key", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("200 addresses of one /64, 5 accounts each, get the per-address limit of password checks in all", async () => {
    const limiter = new LoginLimiter();
    let allowed = 0;
    for (let i = 0; i < 200; i++) {
      const address = `2001:db8:1:1::${(i + 1).toString(16)}`;
      for (let j = 0; j < 5; j++) {
        if (await fail(limiter, `victim${i * 5 + j}@example.com`, address)) allowed++;
      }
    }
    assert.equal(allowed, LOGIN_LIMITS.addressPoints);
    // Another /64 is another address.
    assert.ok(await fail(limiter, "victim@example.com", "2001:db8:1:2::1"));
  });

  test("one IPv4 host in four spellings gets the per-account-and-address limit at one account", async () => {
    const limiter = new LoginLimiter();
    let allowed = 0;
    for (const address of ["10.0.0.1", "::ffff:10.0.0.1", "::FFFF:10.0.0.1", "::ffff:a00:1"]) {
      for (let j = 0; j < 10; j++) if (await fail(limiter, "bob@example.com", address)) allowed++;
    }
    assert.equal(allowed, LOGIN_LIMITS.pairPoints);
  });

  test("an over-long email is counted under a key of bounded length, still apart from other emails", async (t) => {
    const keys: string[] = [];
    const reserve = FailedAuthLimiter.prototype.reserve;
    t.mock.method(FailedAuthLimiter.prototype, "reserve", function (this: FailedAuthLimiter, key: string) {
      keys.push(key);
      return reserve.call(this, key);
    });
    const limiter = new LoginLimiter();
    const long = (i: number) => `${"x".repeat(6_000)}${i}@example.com`;
    for (let i = 0; i < LOGIN_LIMITS.pairPoints; i++) assert.ok(await fail(limiter, long(1), "10.0.0.1"));
    assert.equal(await fail(limiter, long(1), "10.0.0.1"), false, "the same long email is one account");
    assert.ok(await fail(limiter, long(2), "10.0.0.1"), "another long email is another account");
    assert.ok(keys.length > 0);
    for (const key of keys) assert.ok(key.length <= 400, `a limiter key of ${key.length} characters`);
  });
});
