/**
 * The store contract (issue 14), sign-in state: passwords, grants, authorization codes and refresh
 * tokens (redeem, reuse, expiry, rotation, revocation), pruning, and two stores on one location, as
 * src/store/sign-in.ts states them, on every backend (test/support/stores.ts). Migrations of old SQLite
 * files are in sqlite.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GrantRecord } from "../../src/store/sign-in.ts";
import type { Store } from "../../src/store/store.ts";
import { countRows, forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { at, codeOf, DAY, declareAlice, grantOf, HOUR, signedIn, T0, tokenOf } from "./fixtures/sign-in.ts";
import { ctxOf } from "./helpers.ts";

forEachStore((backend) => {
  /** A new store at revision 1 (alice declared), and its location. */
  const inNewStore = (fn: (store: Store, location: string) => Promise<void>) =>
    withStore(backend, async ({ store, location }) => {
      await declareAlice(store);
      await fn(store, location);
    });

  describe(`sign-in state in the ${backend.name} store`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test("a password is set, replaced and read back; an unknown user has none", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        assert.equal(await store.passwordHash("alice"), undefined);
        await store.setPassword("alice", "$argon2id$v=19$m=19456,t=2,p=1$first", T0);
        assert.equal(await store.passwordHash("alice"), "$argon2id$v=19$m=19456,t=2,p=1$first");
        await store.setPassword("alice", "$argon2id$v=19$m=19456,t=2,p=1$second", at(1));
        assert.equal(await store.passwordHash("alice"), "$argon2id$v=19$m=19456,t=2,p=1$second");
        assert.equal(await store.passwordHash("bob"), undefined);
      });
    });

    test("removing a User removes its password: declared again, the user has none", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const user = {
          email: "alice@example.com",
          displayName: "Alice",
          roles: [],
          additionalScopes: {},
          disabled: false,
        };
        await store.transaction((tx) => tx.put("User", "alice", user, ctxOf("test")), { ctx: ctxOf("test") });
        await store.setPassword("alice", "$argon2id$v=19$m=19456,t=2,p=1$old", T0);
        await store.setPassword("bob", "$argon2id$v=19$m=19456,t=2,p=1$bob", T0);
        await store.transaction((tx) => tx.remove("User", "alice", ctxOf("test")), { ctx: ctxOf("test") });
        assert.equal(await store.passwordHash("alice"), undefined);
        assert.equal(
          await store.passwordHash("bob"),
          "$argon2id$v=19$m=19456,t=2,p=1$bob",
          "other users keep theirs",
        );
        await store.transaction((tx) => tx.put("User", "alice", user, ctxOf("test")), { ctx: ctxOf("test") });
        assert.equal(await store.passwordHash("alice"), undefined);
      });
    });

    test("a grant's text holds whatever the authorization request carried: a nonce with a NUL, any script", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        // The nonce is the client's free text (only its length is limited), sent back in the ID token.
        const grant = grantOf("g1", T0, {
          nonce: "n\u0000once — ünïcode 🙂",
          scopes: ["openid", "read:tödos"],
        });
        await store.createGrant(grant, codeOf("g1"));
        assert.deepEqual(await store.grant("g1"), grant);
        assert.deepEqual(await store.redeemCode("code-g1", at(1)), {
          status: "ok",
          code: codeOf("g1"),
          grant,
        });
      });
    });

    test("a grant and its code are stored together; the first redemption is ok and returns both", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const grant = grantOf("g1", T0, { nonce: "n-123" });
        const code = codeOf("g1");
        await store.createGrant(grant, code);
        assert.deepEqual(await store.grant("g1"), grant);
        assert.deepEqual(await store.redeemCode(code.codeSha256, at(1)), { status: "ok", code, grant });
        // Optional fields are omitted, not undefined.
        await store.createGrant(grantOf("g2"), codeOf("g2"));
        const plain = await store.grant("g2");
        assert.deepEqual(Object.keys(plain ?? {}).sort(), [
          "audiences",
          "authTime",
          "clientId",
          "createdAt",
          "granted",
          "id",
          "scopes",
          "userId",
        ]);
        assert.equal(await store.grant("nope"), undefined);
      });
    });

    test("a second redemption is reuse: the grant is revoked, and a third finds it revoked", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await store.createGrant(grantOf("g1"), codeOf("g1"));
        assert.equal((await store.redeemCode("code-g1", at(1))).status, "ok");
        const reused = await store.redeemCode("code-g1", at(2));
        assert.deepEqual(reused, {
          status: "reused",
          grant: { ...grantOf("g1"), revokedAt: at(2), revokedReason: "authorization code reused" },
        });
        assert.deepEqual(await store.grant("g1"), reused.status === "reused" ? reused.grant : undefined);
        assert.deepEqual(await store.redeemCode("code-g1", at(3)), { status: "revoked" });
      });
    });

    test("a code is expired at and after its expiry, and an expired redemption changes nothing", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await store.createGrant(grantOf("g1"), codeOf("g1", at(10)));
        assert.deepEqual(await store.redeemCode("code-g1", at(10)), { status: "expired" });
        assert.deepEqual(await store.redeemCode("code-g1", at(11)), { status: "expired" });
        assert.equal((await store.grant("g1"))?.revokedAt, undefined);
        // Any ISO 8601 form of the same instant compares as that instant.
        assert.deepEqual(await store.redeemCode("code-g1", "2030-01-01T01:09:59+01:00"), {
          status: "ok",
          code: codeOf("g1", at(10)),
          grant: grantOf("g1"),
        });
      });
    });

    test("an unknown code is unknown", { timeout: STORE_TEST_TIMEOUT_MS }, async () => {
      await inNewStore(async (store) => {
        assert.deepEqual(await store.redeemCode("no-such-code", T0), { status: "unknown" });
      });
    });

    test("a refresh token rotates once: the next one is stored in the same grant and rotates in turn", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const grant = await signedIn(store);
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(5), at(DAY)), at(5)),
          {
            status: "ok",
            grant,
          },
        );
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r2", "web", tokenOf("g1-r3", at(6), at(DAY)), at(6)),
          {
            status: "ok",
            grant,
          },
        );
        assert.equal(await store.grant("g1").then((g) => g?.revokedAt), undefined);
      });
    });

    test("a rotation its caller refuses (accept throws) writes nothing: the token stays unspent", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const grant = await signedIn(store);
        const seen: string[] = [];
        const refuse = (g: GrantRecord) => {
          seen.push(g.id);
          throw new Error("invalid_scope");
        };
        await assert.rejects(
          store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(5), at(DAY)), at(5), refuse),
          /invalid_scope/,
        );
        assert.deepEqual(seen, ["g1"]);
        // The replacement was not stored, and the presented token still rotates once.
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r2", "web", tokenOf("x", at(6), at(DAY)), at(6)),
          {
            status: "unknown",
          },
        );
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r3", at(6), at(DAY)), at(6), () => {}),
          { status: "ok", grant },
        );
      });
    });

    test("a reused refresh token revokes the family: the newer token then finds the grant revoked", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await signedIn(store);
        await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(5), at(DAY)), at(5));
        const reused = await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-x", at(6), at(DAY)), at(6));
        assert.deepEqual(reused, {
          status: "reused",
          grant: { ...grantOf("g1"), revokedAt: at(6), revokedReason: "refresh token reused" },
        });
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r2", "web", tokenOf("g1-r3", at(7), at(DAY)), at(7)),
          {
            status: "revoked",
          },
        );
        // Neither the reuse nor the refusal stored a next token.
        assert.deepEqual(
          await store.rotateRefreshToken("g1-x", "web", tokenOf("g1-y", at(8), at(DAY)), at(8)),
          {
            status: "unknown",
          },
        );
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r3", "web", tokenOf("g1-z", at(8), at(DAY)), at(8)),
          {
            status: "unknown",
          },
        );
      });
    });

    test("a refresh token presented by another client changes nothing", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const grant = await signedIn(store);
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r1", "other", tokenOf("g1-bad", at(5), at(DAY)), at(5)),
          { status: "wrong_client" },
        );
        assert.deepEqual(await store.grant("g1"), grant);
        // The token is still unused (the rightful client rotates it) and nothing was stored for the other.
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(6), at(DAY)), at(6)),
          {
            status: "ok",
            grant,
          },
        );
        assert.deepEqual(
          await store.rotateRefreshToken("g1-bad", "web", tokenOf("g1-r9", at(7), at(DAY)), at(7)),
          {
            status: "unknown",
          },
        );
      });
    });

    test("an expired refresh token is expired and rotates nothing; an unknown one is unknown", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await signedIn(store);
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(DAY), at(2 * DAY)), at(DAY)),
          { status: "expired" },
        );
        assert.equal((await store.grant("g1"))?.revokedAt, undefined);
        assert.deepEqual(
          await store.rotateRefreshToken("g1-r2", "web", tokenOf("g1-r3", at(5), at(DAY)), at(5)),
          {
            status: "unknown",
          },
        );
        assert.deepEqual(
          await store.rotateRefreshToken("nope", "web", tokenOf("g1-r4", at(5), at(DAY)), at(5)),
          {
            status: "unknown",
          },
        );
      });
    });

    test("revokeGrant sets the time and reason once; a revoked grant's code and tokens are refused", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await store.createGrant(grantOf("g1"), codeOf("g1"));
        await store.revokeGrant("g1", "user disabled", at(1));
        await store.revokeGrant("g1", "something later", at(2));
        assert.deepEqual(await store.grant("g1"), {
          ...grantOf("g1"),
          revokedAt: at(1),
          revokedReason: "user disabled",
        });
        assert.deepEqual(await store.redeemCode("code-g1", at(3)), { status: "revoked" });
        await store.revokeGrant("no-such-grant", "whatever", at(3));

        await signedIn(store, "g2");
        await store.revokeGrant("g2", "signed out", at(4));
        assert.deepEqual(
          await store.rotateRefreshToken("g2-r1", "web", tokenOf("g2-r2", at(5), at(DAY)), at(5)),
          {
            status: "revoked",
          },
        );
      });
    });

    test("none of it moves the revision or writes revisions or audit rows", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        await store.transaction(
          async (tx) => tx.put("Api", "todos", { audience: "https://todos", displayName: "T" }, ctxOf("a")),
          { ctx: ctxOf("a") },
        );
        const before = {
          revision: await store.revision(),
          revisions: await store.revisions(),
          audit: await store.audit(),
        };
        await store.setPassword("alice", "$argon2id$hash", T0);
        await signedIn(store);
        await store.redeemCode("code-g1", at(2));
        await store.createGrant(grantOf("g2"), codeOf("g2"));
        await store.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(5), at(DAY)), at(5));
        await store.revokeGrant("g2", "test", at(6));
        assert.deepEqual(
          {
            revision: await store.revision(),
            revisions: await store.revisions(),
            audit: await store.audit(),
          },
          before,
        );
        assert.equal(before.revision, 2);
        // An apply still commits as the next revision afterwards.
        const { revision } = await store.transaction(async (tx) => tx.remove("Api", "todos", ctxOf("a")), {
          ctx: ctxOf("a"),
        });
        assert.equal(revision, 3);
      });
    });

    test("a time that is not an ISO 8601 instant is refused before anything is written", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store, location) => {
        await assert.rejects(
          store.setPassword("alice", "$argon2id$h", "tomorrow"),
          /now must be an ISO 8601 time, not "tomorrow"/,
        );
        await assert.rejects(
          store.createGrant(grantOf("g1", "2030-01-01T00:00:00"), codeOf("g1")),
          /the grant's createdAt must be an ISO 8601 time, not "2030-01-01T00:00:00"/,
        );
        await assert.rejects(
          store.createGrant(grantOf("g1"), codeOf("g1", "Jan 1 2030")),
          /code's expiresAt/,
        );
        await assert.rejects(
          store.redeemCode("code-g1", "2030-13-01T00:00:00Z"),
          /now must be an ISO 8601 time/,
        );
        assert.equal(await store.passwordHash("alice"), undefined);
        assert.equal(await countRows(backend, location, "grants"), 0);
        // The store still works: the refusals released nothing they had not taken.
        await signedIn(store);
      });
    });

    test("inconsistent input is refused and rolls back: a code of another grant, a token of an unknown grant, a duplicate", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store, location) => {
        await assert.rejects(
          store.createGrant(grantOf("g1"), codeOf("g2")),
          /the code belongs to grant "g2"/,
        );
        await assert.rejects(
          store.addRefreshToken({ ...tokenOf("r", T0, at(DAY)), grantId: "nope" }),
          /the store has no grant "nope"/,
        );
        await store.createGrant(grantOf("g1"), codeOf("g1"));
        // Same code hash under a new grant: the code insert fails, and the grant insert before it is undone.
        await assert.rejects(
          store.createGrant(grantOf("g2"), { ...codeOf("g2"), codeSha256: "code-g1" }),
          // SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
          /unique/i,
        );
        assert.equal(await store.grant("g2"), undefined);
        assert.equal(await countRows(backend, location, "grants"), 1);
      });
    });

    test("createGrant prunes old codes, expired refresh tokens and old empty grants, and nothing live", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store, location) => {
        // g1: code only (redeemed), no refresh token: empty once its code is pruned, deleted after a day.
        await store.createGrant(grantOf("g1"), codeOf("g1", at(10)));
        await store.redeemCode("code-g1", at(1));
        // g2: a refresh token that lives a month; g3: one that lived two hours.
        await signedIn(store, "g2");
        await store.rotateRefreshToken("g2-r1", "web", tokenOf("g2-r2", at(5), at(30 * DAY)), at(5));
        await store.createGrant(grantOf("g3"), codeOf("g3", at(10)));
        await store.addRefreshToken({ ...tokenOf("g3-r1", at(2), at(2 * HOUR)), grantId: "g3" });

        // At T0 + 69 min, codes that expired at T0 + 10 min are not yet an hour past their expiry.
        await store.createGrant(grantOf("h1", at(69)), codeOf("h1", at(79)));
        assert.equal(await countRows(backend, location, "authorization_codes"), 4);

        // At T0 + 3 h: all four codes (expired more than an hour ago) and g3's token (expired) are gone;
        // g2's tokens (a day, a month) and every grant (none is a day old) stay.
        await store.createGrant(grantOf("h2", at(3 * HOUR)), codeOf("h2", at(3 * HOUR + 10)));
        assert.equal(await countRows(backend, location, "authorization_codes"), 1);
        assert.equal(await countRows(backend, location, "refresh_tokens"), 2);
        assert.equal(await countRows(backend, location, "grants"), 5);
        // A pruned code is unknown from then on.
        assert.deepEqual(await store.redeemCode("code-g1", at(3 * HOUR)), { status: "unknown" });

        // A day and a bit after T0: g1 and g3 are empty and over a day old; g2 keeps its live token; h1
        // and h2 are empty but younger than a day.
        await store.createGrant(grantOf("h3", at(DAY + 10)), codeOf("h3", at(DAY + 20)));
        assert.equal(await store.grant("g1"), undefined);
        assert.equal(await store.grant("g3"), undefined);
        assert.ok(await store.grant("g2"));
        assert.ok(await store.grant("h1"));
        assert.ok(await store.grant("h2"));
        assert.ok(await store.grant("h3"));
        // g2-r1 expired at T0 + 1 day: pruned; g2-r2 lives on and still rotates.
        assert.equal(await countRows(backend, location, "refresh_tokens"), 1);
        assert.equal(
          (
            await store.rotateRefreshToken(
              "g2-r2",
              "web",
              tokenOf("g2-r3", at(DAY + 11), at(31 * DAY)),
              at(DAY + 11),
            )
          ).status,
          "ok",
        );

        // Much later everything but the newest sign-in is gone, including g2 after its last token expired.
        await store.createGrant(grantOf("h4", at(40 * DAY)), codeOf("h4", at(40 * DAY + 10)));
        const column = async (sql: string) => (await backend.sql(location, sql)).map((row) => row[0]);
        assert.deepEqual(await column("SELECT id FROM grants ORDER BY id"), ["h4"]);
        assert.equal(await countRows(backend, location, "refresh_tokens"), 0);
        assert.deepEqual(await column("SELECT code_sha256 FROM authorization_codes"), ["code-h4"]);
      });
    });

    test(
      "two stores on one location (two processes): a code redeemed in one is reuse in the other",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store: first, reopen }) => {
          await declareAlice(first);
          const second = await reopen();
          await first.createGrant(grantOf("g1"), codeOf("g1"));
          assert.equal((await second.redeemCode("code-g1", at(1))).status, "ok");
          const reused = await first.redeemCode("code-g1", at(2));
          assert.equal(reused.status, "reused");
          assert.equal((await second.grant("g1"))?.revokedReason, "authorization code reused");

          // Racing redemptions of one code: exactly one is ok, the other is reuse.
          for (let round = 0; round < 10; round++) {
            const id = `race${round}`;
            await second.createGrant(grantOf(id), codeOf(id));
            const results = await Promise.all([
              first.redeemCode(`code-${id}`, at(1)),
              second.redeemCode(`code-${id}`, at(1)),
            ]);
            assert.deepEqual(results.map((r) => r.status).sort(), ["ok", "reused"], `round ${round}`);
          }
          // Racing rotations of one refresh token: one ok, one reuse (which revokes the family).
          await signedIn(first, "f1");
          const rotations = await Promise.all([
            first.rotateRefreshToken("f1-r1", "web", tokenOf("f1-a", at(5), at(DAY)), at(5)),
            second.rotateRefreshToken("f1-r1", "web", tokenOf("f1-b", at(5), at(DAY)), at(5)),
          ]);
          assert.deepEqual(rotations.map((r) => r.status).sort(), ["ok", "reused"]);
          assert.equal((await first.grant("f1"))?.revokedReason, "refresh token reused");
        }),
    );

    test("what a sign-in granted is stored as given, an empty grant included; a malformed one is refused", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store) => {
        const nothing = grantOf("g1", T0, {
          scopes: ["openid"],
          audiences: [],
          granted: {
            openIdScopes: ["openid"],
            audiences: [{ audience: "https://todos.example.com", scopes: [] }],
          },
        });
        await store.createGrant(nothing, codeOf("g1"));
        assert.deepEqual((await store.grant("g1"))?.granted, nothing.granted);
        for (const granted of [
          undefined,
          { openIdScopes: "openid", audiences: [] },
          { openIdScopes: [], audiences: [{ audience: "https://todos.example.com" }] },
          { openIdScopes: [], audiences: [{ audience: 1, scopes: [] }] },
        ]) {
          const bad = { ...grantOf("g2"), granted } as unknown as GrantRecord;
          await assert.rejects(store.createGrant(bad, codeOf("g2")), /the grant's granted access must be/);
        }
        assert.equal(await store.grant("g2"), undefined);
      });
    });

    test("deleting a grant cascades to its code and refresh tokens", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(async (store, location) => {
        await signedIn(store);
        await store.close();
        await backend.sql(location, "DELETE FROM grants WHERE id = 'g1'");
        assert.equal(await countRows(backend, location, "authorization_codes"), 0);
        assert.equal(await countRows(backend, location, "refresh_tokens"), 0);
      });
    });
  });
});
