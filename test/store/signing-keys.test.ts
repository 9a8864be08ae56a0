/**
 * The store contract (issue 14), signing keys: add, retire, prune, the version counter and races of
 * replicas, as src/store/signing-keys.ts states them, on every backend (test/support/stores.ts). The
 * migration of an old SQLite file is in sqlite.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { key, T0, T1, T2, T3 } from "./fixtures/keys.ts";
import { ctxOf, gate } from "./helpers.ts";

forEachStore((backend) => {
  describe(`signing keys in the ${backend.name} store`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test("a new store has no keys at version 0; an add lists the key and bumps the version, not the revision", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await withStore(backend, async ({ store }) => {
        assert.deepEqual(await store.signingKeys(), []);
        assert.equal(await store.keysVersion(), 0);
        const a = { ...key("a", T0), encrypted: true, privateKey: '{"v":1}' };
        assert.equal(await store.addSigningKey(a, { retireUntil: T1, now: T0 }), true);
        assert.deepEqual(await store.signingKeys(), [a]);
        assert.equal(await store.keysVersion(), 1);
        assert.equal(await store.revision(), 0);
        assert.deepEqual(await store.revisions(), []);
        // An apply moves the revision, not the keys version.
        await store.transaction(
          async (tx) => tx.put("Api", "x", { audience: "x", displayName: "X" }, ctxOf("a")),
          {
            ctx: ctxOf("a"),
          },
        );
        assert.equal(await store.keysVersion(), 1);
        assert.equal(await store.revision(), 1);
      });
    });

    test("an add retires every unretired key until retireUntil, and prunes keys whose expiry has passed", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await withStore(backend, async ({ store }) => {
        await store.addSigningKey(key("a", T0), { retireUntil: T2, now: T0 });
        await store.addSigningKey(key("b", T1, "ES256"), { retireUntil: T2, now: T1 });
        let keys = await store.signingKeys();
        assert.deepEqual(
          keys.map((k) => [k.kid, k.retiredAt, k.expiresAt]),
          [
            ["a", T1, T2],
            ["b", undefined, undefined],
          ],
        );
        // At T2, a's expiry has come: it is deleted; b is retired until T3.
        await store.addSigningKey(key("c", T2), { retireUntil: T3, now: T2 });
        keys = await store.signingKeys();
        assert.deepEqual(
          keys.map((k) => [k.kid, k.retiredAt, k.expiresAt]),
          [
            ["b", T2, T3],
            ["c", undefined, undefined],
          ],
        );
        assert.equal(await store.keysVersion(), 3);
        // An already retired key keeps its expiry when a later key retires the active one.
        await store.addSigningKey(key("d", "2030-01-01T02:30:00.000Z"), {
          retireUntil: "2030-01-01T09:00:00.000Z",
          now: "2030-01-01T02:30:00.000Z",
        });
        const b = (await store.signingKeys()).find((k) => k.kid === "b");
        assert.equal(b?.expiresAt, T3);
      });
    });

    test("onlyIfNoActive adds nothing (and bumps nothing) when an unretired key of that alg exists", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await withStore(backend, async ({ store }) => {
        assert.equal(
          await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0, onlyIfNoActive: "RS256" }),
          true,
        );
        assert.equal(
          await store.addSigningKey(key("b", T0), { retireUntil: T1, now: T0, onlyIfNoActive: "RS256" }),
          false,
        );
        assert.deepEqual(
          (await store.signingKeys()).map((k) => k.kid),
          ["a"],
        );
        assert.equal(await store.keysVersion(), 1);
        // Another alg is no obstacle: a new ES256 key retires the RS256 one.
        assert.equal(
          await store.addSigningKey(key("c", T1, "ES256"), {
            retireUntil: T2,
            now: T1,
            onlyIfNoActive: "ES256",
          }),
          true,
        );
        assert.deepEqual(
          (await store.signingKeys()).map((k) => [k.kid, k.retiredAt]),
          [
            ["a", T1],
            ["c", undefined],
          ],
        );
      });
    });

    test("two stores on one file racing with onlyIfNoActive add exactly one key", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await withStore(backend, async ({ store: first, reopen }) => {
        const second = await reopen();
        for (let round = 0; round < 10; round++) {
          const alg = round % 2 === 0 ? "ES256" : "RS256";
          const options = { retireUntil: T1, now: T0, onlyIfNoActive: alg } as const;
          const results = await Promise.all([
            first.addSigningKey(key(`x${round}`, T0, alg), options),
            second.addSigningKey(key(`y${round}`, T0, alg), options),
          ]);
          assert.deepEqual(
            results.filter((r) => r),
            [true],
            `round ${round}`,
          );
        }
        // Both wait for a write lock held elsewhere (a third store's transaction), then go: a check made
        // before taking the lock would let both add. (A store whose key rotations do not wait for an
        // apply's lock lets them race at once, which must add one key all the same.)
        const holder = await reopen();
        const held = gate();
        const release = gate();
        const holderDone = holder.transaction(
          async (tx) => {
            await tx.put("Api", "held", { audience: "h", displayName: "H" }, ctxOf("holder"));
            held.open();
            await release.promise;
          },
          { ctx: ctxOf("holder") },
        );
        try {
          await held.promise;
          const options = { retireUntil: T2, now: T1, onlyIfNoActive: "EdDSA" } as const;
          const racing = Promise.all([
            first.addSigningKey(key("p", T1, "EdDSA"), options),
            second.addSigningKey(key("q", T1, "EdDSA"), options),
          ]);
          await new Promise((resolve) => setTimeout(resolve, 100));
          release.open();
          await holderDone;
          assert.deepEqual(
            (await racing).filter((r) => r),
            [true],
          );
        } finally {
          release.open();
          await holderDone.catch(() => undefined);
        }
        const keys = await second.signingKeys();
        assert.equal(keys.filter((k) => k.retiredAt === undefined).length, 1);
        // The ten earlier keys were retired until T1, and the race ran at T1: pruned, all but the last
        // active one, which this race retired.
        assert.equal(keys.length, 2);
        assert.equal(await first.keysVersion(), 11);
      });
    });

    test("a time that is not ISO 8601 is refused before anything is written", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await withStore(backend, async ({ store }) => {
        await assert.rejects(
          store.addSigningKey(key("a", T0), { retireUntil: "tomorrow", now: T0 }),
          /retireUntil must be an ISO 8601 time, not "tomorrow"/,
        );
        assert.equal(await store.keysVersion(), 0);
        // The store still works: the failed call released the writer.
        assert.equal(await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0 }), true);
      });
    });

    test("a duplicate kid is refused and changes nothing", { timeout: STORE_TEST_TIMEOUT_MS }, async () => {
      await withStore(backend, async ({ store }) => {
        await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0 });
        // SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
        await assert.rejects(store.addSigningKey(key("a", T1), { retireUntil: T2, now: T1 }), /unique/i);
        const keys = await store.signingKeys();
        assert.deepEqual(
          keys.map((k) => [k.kid, k.retiredAt]),
          [["a", undefined]],
        );
        assert.equal(await store.keysVersion(), 1);
      });
    });
  });
});
