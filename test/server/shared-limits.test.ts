/**
 * Issue 14: the failed-authentication limits hold across replicas. Two token servers in this process,
 * each with a store (and a pool) of its own on one PostgreSQL database of a throwaway cluster, share
 * every count through the `rate_limits` table: failures spread over both refuse at either, as one
 * server would. Then LoginLimiter itself on two stores, for the known-address record.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LoginLimiter } from "../../src/server/login/login-limiter.ts";
import { openStore } from "../../src/store/open.ts";
import { loopbackAddress, postFormFrom } from "../support/from-address.ts";
import { postgresForFile } from "../support/postgres.ts";
import { serveReplicas } from "../support/postgres-replicas.ts";
import { authorizeUrl, openAuthorize, PASSWORD, userTenantFiles } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { basic, postForm } from "../support/token-server.ts";

const postgres = postgresForFile();
const TEST_TIMEOUT_MS = 120_000;
const USERS = { users: ["alice", "bob", "carol"], password: PASSWORD };

describe("failed-authentication limits shared by two replicas", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("10 failed client authentications spread over both: the 11th gets 429 at either, even with the right secret", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { servers, secrets } = await serveReplicas(t, await postgres.database(), userTenantFiles);
    const robot = secrets.get("robot") ?? assert.fail("no secret for robot");
    const ask = (server: number, secret: string) =>
      postForm(
        `${servers[server]?.url}/oauth2/token`,
        { grant_type: "client_credentials" },
        { authorization: basic("robot", secret) },
      );
    assert.equal((await ask(1, robot)).status, 200, "the right secret works at the second replica");
    for (let i = 0; i < 10; i++) {
      const answer = await ask(i % 2, `wrong-${i}`);
      assert.equal(
        answer.status,
        401,
        `failure ${i + 1} at replica ${i % 2}: ${JSON.stringify(answer.body)}`,
      );
    }
    for (const server of [0, 1]) {
      const refused = await ask(server, "wrong-again");
      assert.equal(refused.status, 429, `replica ${server}`);
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
    }
    const right = await ask(1, robot);
    assert.equal(right.status, 429, "whatever it presents");
    assert.equal(right.body.error, "invalid_client");
  });

  test("40 parallel requests with the right secret at both replicas all get tokens, with one point of a limit of 3 left", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { servers, secrets } = await serveReplicas(t, await postgres.database(), userTenantFiles, {
      server: { failedAuth: { points: 3, durationSeconds: 60 }, tokenReuseSeconds: 0 },
    });
    const robot = secrets.get("robot") ?? assert.fail("no secret for robot");
    const ask = (server: number, secret: string) =>
      postForm(
        `${servers[server]?.url}/oauth2/token`,
        { grant_type: "client_credentials" },
        { authorization: basic("robot", secret) },
      );
    for (const server of [0, 1]) assert.equal((await ask(server, "wrong")).status, 401);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(i % 2, robot)));
    assert.deepEqual(
      answers.map((answer) => answer.status).filter((status) => status !== 200),
      [],
      "a busy client with the right secret is never refused",
    );
    // And parallel bad secrets at both still get exactly the one answer the limit has left.
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(i % 2, `guess-${i}`)));
    const statuses = guesses.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 401).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((status) => status === 429).length, 19, JSON.stringify(statuses));
  });

  test("5 wrong passwords for one account from one address spread over both: the 6th gets 429 at either", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { servers, issuer } = await serveReplicas(t, await postgres.database(), userTenantFiles, {
      passwords: USERS,
    });
    const page = await openAuthorize(authorizeUrl(issuer).url);
    assert.equal(page.status, 200, page.html.slice(0, 300));
    const address = loopbackAddress(1);
    const attempt = (server: number, email: string, password: string) =>
      postFormFrom(
        address,
        `${servers[server]?.url}/oauth2/login`,
        { csrf_token: page.csrfToken ?? "", email, password },
        page.cookie,
      );
    for (let i = 0; i < 5; i++) {
      const answer = await attempt(i % 2, "alice@example.com", `wrong ${i}`);
      assert.equal(answer.status, 400, `failure ${i + 1}: ${answer.html.slice(0, 300)}`);
    }
    for (const server of [0, 1]) {
      const limited = await attempt(server, "alice@example.com", PASSWORD);
      assert.equal(limited.status, 429, `replica ${server}: ${limited.html.slice(0, 300)}`);
      assert.ok(Number(limited.headers.get("retry-after")) > 0);
    }
    const bob = await attempt(1, "bob@example.com", PASSWORD);
    assert.equal(bob.status, 303, "another account from the same address still signs in");
  });

  test("an address's failures spread over both earn its block, which outlasts the count at either", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const WINDOW_SECONDS = 3;
    const { servers, issuer } = await serveReplicas(t, await postgres.database(), userTenantFiles, {
      passwords: USERS,
      server: {
        failedLogin: {
          pairPoints: 100,
          addressPoints: 3,
          windowSeconds: WINDOW_SECONDS,
          addressBlockSeconds: 60,
        },
      },
    });
    const page = await openAuthorize(authorizeUrl(issuer).url);
    const address = loopbackAddress(2);
    const attempt = (server: number, email: string, password: string) =>
      postFormFrom(
        address,
        `${servers[server]?.url}/oauth2/login`,
        { csrf_token: page.csrfToken ?? "", email, password },
        page.cookie,
      );
    // Three failures, at replicas 0, 1, 0: the third (at 0) counts the one at 1 and blocks the address.
    // The window (3 s) leaves three argon2 verifications room on a loaded machine; it opens at the first.
    const firstAt = Date.now();
    for (const [i, server] of [0, 1, 0].entries()) {
      const answer = await attempt(server, `nobody${i}@example.com`, "wrong");
      assert.equal(answer.status, 400, `failure ${i + 1}: ${answer.html.slice(0, 300)}`);
    }
    // Past the window: only the block can refuse now.
    await sleep(Math.max(0, firstAt + WINDOW_SECONDS * 1000 + 500 - Date.now()));
    const blocked = await attempt(1, "bob@example.com", PASSWORD);
    assert.equal(
      blocked.status,
      429,
      `the block is seen by the other replica: ${blocked.html.slice(0, 300)}`,
    );
    assert.ok(Number(blocked.headers.get("retry-after")) > 1, "until the hour's block ends");
    const elsewhere = await postFormFrom(
      loopbackAddress(3),
      `${servers[1]?.url}/oauth2/login`,
      { csrf_token: page.csrfToken ?? "", email: "bob@example.com", password: PASSWORD },
      page.cookie,
    );
    assert.equal(elsewhere.status, 303, "another address is not blocked");
  });

  test("LoginLimiter on two stores: an address known from a sign-in at one may still try at the other once the account's budget is spent", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const url = await postgres.database();
    const stores = [await openStore(url), await openStore(url)];
    t.after(() => Promise.allSettled(stores.map((store) => store.close())));
    const options = { accountPoints: 2, accountAttackPoints: 100, pairPoints: 10, addressPoints: 100 };
    const [first, second] = stores.map((store) => new LoginLimiter(options, store)) as [
      LoginLimiter,
      LoginLimiter,
    ];
    const email = "alice@example.com";
    const known = "10.0.0.1";

    const signIn = await first.reserve(email, known);
    assert.ok(signIn.allowed);
    await signIn.succeeded();
    for (const [limiter, address] of [
      [first, "10.0.0.2"],
      [second, "10.0.0.3"],
    ] as const) {
      const attempt = await limiter.reserve(email, address);
      assert.ok(attempt.allowed, address);
      await attempt.failed();
    }
    const fresh = await second.reserve(email, "10.0.0.4");
    assert.equal(fresh.allowed, false, "the account's budget (2 failures) is spent, counted at both");
    const again = await second.reserve(email, known);
    assert.ok(again.allowed, "the address that signed in at the other replica is known here");
  });
});
