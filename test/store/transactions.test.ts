/**
 * The store contract (issue 14), transactions: one at a time under the store's write lock, checked
 * against the revision the plan was made from, all or nothing; and opening, reopening and closing a
 * store. As src/store/resources.ts and src/store/store.ts state them, on every backend
 * (test/support/stores.ts); the SQLite file's own lock test is in sqlite.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeStoreLocation, parseStoreLocation } from "../../src/store/location.ts";
import { openStore } from "../../src/store/open.ts";
import { StaleRevisionError, type StoreTransaction } from "../../src/store/resources.ts";
import type { SigningKeyRecord } from "../../src/store/signing-keys.ts";
import { type Store, StoreLockedError } from "../../src/store/store.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { POSTGRES_PASSWORD } from "../support/postgres.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { alice, bob, putAll, SAMPLES } from "./fixtures/samples.ts";
import { gate } from "./helpers.ts";

const T0 = "2030-01-01T00:00:00.000Z";

/** Everything a store holds that its readers can see, to compare a store with itself reopened. */
async function everything(store: Store) {
  return {
    revision: await store.revision(),
    resources: await store.listAll(),
    revisions: await store.revisions(),
    audit: await store.audit(),
    imports: await store.imports(),
    keys: await store.signingKeys(),
    keysVersion: await store.keysVersion(),
    password: await store.passwordHash("ada"),
    grant: await store.grant("g1"),
    syncStatus: await store.syncStatus(),
    otherSyncStatus: await store.syncStatus("other"),
  };
}

const KEY: SigningKeyRecord = {
  kid: "k1",
  alg: "ES256",
  publicJwk: { kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1", alg: "ES256", use: "sig" },
  privateKey: '{"v":1,"sealed":"..."}',
  encrypted: true,
  createdAt: T0,
};

const STATUS: SyncStatus = {
  state: "Synced",
  reason: "Succeeded",
  repo: "https://git.example.com/tenant.git",
  branch: "main",
  path: "config",
  head: "a".repeat(40),
  lastApplied: { sha: "a".repeat(40), subject: "s", author: "A <a@x>", time: T0, revision: 1 },
  drift: [],
  checkedAt: T0,
};

forEachStore((backend) => {
  const inNewStore = (fn: (store: Store) => Promise<void>) => withStore(backend, ({ store }) => fn(store));

  describe(`${backend.name} store: transactions`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "a throw inside the transaction keeps nothing: revision, rows, audit, imports and revisions unchanged",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction((tx) => putAll(tx, SAMPLES), { ctx: alice });
          const rows = await store.listAll();
          const boom = new Error("boom");
          await assert.rejects(
            store.transaction(
              async (tx) => {
                await tx.put("Api", "orders", { audience: "changed", displayName: "changed" }, bob);
                await tx.put("Api", "brand-new", { audience: "n", displayName: "N" }, bob);
                await tx.remove("User", "ada", bob);
                await tx.addImport({
                  source: "s",
                  api: "orders",
                  action: "delete",
                  file: { path: "x", sha256: "0".repeat(64), size: 1 },
                  log: [],
                });
                await new Promise((resolve) => setTimeout(resolve, 5));
                throw boom;
              },
              { ctx: bob },
            ),
            (error) => error === boom,
          );
          assert.equal(await store.revision(), 1);
          assert.deepEqual(await store.listAll(), rows);
          assert.equal((await store.audit()).length, SAMPLES.length);
          assert.deepEqual(await store.imports(), []);
          assert.equal((await store.revisions()).length, 1);
          // The lock was released: the next transaction commits as revision 2.
          const next = await store.transaction((tx) => tx.remove("User", "ada", bob), {
            ctx: bob,
            expectedRevision: 1,
          });
          assert.equal(next.revision, 2);
        }),
    );

    test(
      "expectedRevision that does not match: StaleRevisionError, fn never runs, nothing written",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction((tx) => putAll(tx, SAMPLES.slice(0, 2)), { ctx: alice });
          let ran = false;
          await assert.rejects(
            store.transaction(
              async (tx) => {
                ran = true;
                await tx.put("Api", "x", { audience: "x", displayName: "X" }, alice);
              },
              { ctx: alice, expectedRevision: 0 },
            ),
            (error: unknown) => {
              assert.ok(error instanceof StaleRevisionError);
              assert.equal(error.expected, 0);
              assert.equal(error.actual, 1);
              return true;
            },
          );
          assert.equal(ran, false);
          assert.equal(await store.revision(), 1);
          assert.equal((await store.listAll()).length, 2);
          assert.equal((await store.revisions()).length, 1);
        }),
    );

    test(
      "two transactions of one store started together run one after the other",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          const order: string[] = [];
          const slow = store.transaction(
            async (tx) => {
              order.push("a:start");
              await new Promise((resolve) => setTimeout(resolve, 30));
              await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
              order.push("a:end");
            },
            { ctx: alice, expectedRevision: 0 },
          );
          const stale = store.transaction(
            async () => {
              order.push("b:start");
            },
            { ctx: bob, expectedRevision: 0 },
          );
          const later = store.transaction(
            async (tx) => {
              order.push("c:start");
              await tx.put("Api", "c", { audience: "c", displayName: "C" }, bob);
            },
            { ctx: bob },
          );
          const [a, b, c] = await Promise.allSettled([slow, stale, later]);
          assert.deepEqual(a, { status: "fulfilled", value: { result: undefined, revision: 1 } });
          assert.equal(b.status, "rejected");
          assert.ok(b.status === "rejected" && b.reason instanceof StaleRevisionError);
          assert.deepEqual(c, { status: "fulfilled", value: { result: undefined, revision: 2 } });
          assert.deepEqual(order, ["a:start", "a:end", "c:start"]);
        }),
    );

    test(
      "a transaction object cannot be used after its transaction ended",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          let kept: StoreTransaction | undefined;
          await store.transaction(
            async (tx) => {
              kept = tx;
            },
            { ctx: alice },
          );
          assert.ok(kept);
          const tx = kept;
          await assert.rejects(
            tx.put("Api", "late", { audience: "l", displayName: "L" }, alice),
            /already ended/,
          );
          await assert.rejects(tx.get("Api", "late"), /already ended/);
          assert.equal(await store.get("Api", "late"), undefined);
        }),
    );

    test("a closed store refuses reads and transactions", { timeout: STORE_TEST_TIMEOUT_MS }, () =>
      withStore(backend, async ({ store }) => {
        await store.close();
        await assert.rejects(store.revision(), /is closed/);
        await assert.rejects(store.listAll(), /is closed/);
        await assert.rejects(
          store.transaction(async () => undefined, { ctx: alice }),
          /is closed/,
        );
        await store.close();
      }),
    );

    test("close waits for a running transaction to commit", { timeout: STORE_TEST_TIMEOUT_MS }, () =>
      withStore(backend, async ({ store, reopen }) => {
        const running = store.transaction(
          async (tx) => {
            await new Promise((resolve) => setTimeout(resolve, 30));
            await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
          },
          { ctx: alice },
        );
        await store.close();
        assert.equal((await running).revision, 1);
        const again = await reopen();
        assert.equal(await again.revision(), 1);
      }),
    );
  });

  describe(`${backend.name} store: opening, reopening, the write lock`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "a new store is empty at revision 0, and says what it is and where without a password",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, location }) => {
          assert.equal(store.kind, backend.name);
          assert.equal(store.description, describeStoreLocation(parseStoreLocation(location, process.cwd())));
          assert.equal(store.description.includes(POSTGRES_PASSWORD), false);
          assert.equal(await store.revision(), 0);
          assert.deepEqual(await store.listAll(), []);
          assert.deepEqual(await store.list("User"), []);
          assert.deepEqual(await store.revisions(), []);
          assert.deepEqual(await store.audit(), []);
          assert.deepEqual(await store.imports(), []);
          assert.deepEqual(await store.signingKeys(), []);
          assert.equal(await store.keysVersion(), 0);
          assert.equal(await store.syncStatus(), undefined);
          assert.equal(await store.syncLeader(), undefined);
          assert.equal(await store.grant("g1"), undefined);
          assert.equal(await store.passwordHash("ada"), undefined);
        }),
    );

    test(
      "reopened (as another process would open it), a store holds everything written to it",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, reopen }) => {
          await store.transaction((tx) => putAll(tx, SAMPLES), {
            ctx: alice,
            summary: { create: SAMPLES.length, update: 0, delete: 0 },
          });
          await store.transaction(
            (tx) =>
              tx.addImport({
                source: "orders-spec",
                api: "orders",
                action: "upload",
                file: { path: "specs/orders.yaml", sha256: "ab".repeat(32), size: 1234 },
                log: [{ action: "created", scope: "get:orders", method: "get", path: "/orders" }],
              }),
            { ctx: bob },
          );
          assert.equal(await store.addSigningKey(KEY, { retireUntil: T0, now: T0 }), true);
          await store.setPassword("ada", "$argon2id$v=19$m=19456,t=2,p=1$hash", T0);
          await store.createGrant(
            {
              id: "g1",
              clientId: "billing",
              userId: "ada",
              scopes: ["openid"],
              audiences: [],
              granted: { openIdScopes: ["openid"], audiences: [] },
              authTime: 1_893_456_000,
              createdAt: T0,
            },
            {
              codeSha256: "c1",
              grantId: "g1",
              redirectUri: "https://app.example.com/cb",
              codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
              expiresAt: "2030-01-01T00:10:00.000Z",
            },
          );
          await store.saveSyncStatus(STATUS);
          await store.saveSyncStatus({ ...STATUS, state: "Failed", reason: "FetchFailed" }, "other");
          const before = await everything(store);
          assert.equal(before.revision, 2);
          assert.equal(before.resources.length, SAMPLES.length);
          await store.close();
          const again = await reopen();
          assert.deepEqual(await everything(again), before);
        }),
    );

    test("three stores opening one new location at once (replicas starting together) all open it and share it", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      const location = await backend.newLocation();
      const opening = await Promise.allSettled([1, 2, 3].map(() => openStore(location)));
      const stores = opening.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      try {
        assert.deepEqual(
          opening.map((o) => (o.status === "fulfilled" ? "opened" : String(o.reason))),
          ["opened", "opened", "opened"],
        );
        const [a, b, c] = stores as [Store, Store, Store];
        await a.transaction((tx) => tx.put("Api", "a", { audience: "a", displayName: "A" }, alice), {
          ctx: alice,
          expectedRevision: 0,
        });
        assert.equal(await b.revision(), 1);
        const { revision } = await c.transaction(
          (tx) => tx.put("Api", "c", { audience: "c", displayName: "C" }, bob),
          { ctx: bob, expectedRevision: 1 },
        );
        assert.equal(revision, 2);
        assert.deepEqual(
          (await a.list("Api")).map((r) => r.id),
          ["a", "c"],
        );
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test(
      "another store's transaction holding the write lock: a transaction waits without blocking, gives up clearly past busyTimeoutMs, checks the revision under the lock",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store, reopen }) => {
          const impatient = await reopen({ busyTimeoutMs: 400 });
          const patient = await reopen();
          const held = gate();
          const release = gate();
          // A hang guard, not a measure: a store that never gives up still lets the holder go, and fails.
          const guard = setTimeout(release.open, 30_000);
          const holder = store.transaction(
            async (tx) => {
              await tx.put("Api", "held", { audience: "h", displayName: "Held" }, alice);
              held.open();
              await release.promise;
            },
            { ctx: alice, expectedRevision: 0 },
          );
          try {
            await held.promise;
            let ticks = 0;
            const ticker = setInterval(() => ticks++, 10);
            let ran = false;
            await assert.rejects(
              impatient.transaction(
                async () => {
                  ran = true;
                },
                { ctx: bob },
              ),
              (error: unknown) => {
                assert.ok(error instanceof StoreLockedError, String(error));
                assert.equal(error.code, "store.locked");
                assert.equal(error.message.includes(POSTGRES_PASSWORD), false);
                return true;
              },
            );
            clearInterval(ticker);
            assert.equal(ran, false);
            // The wait let the event loop run (a token service in the same process keeps answering).
            assert.ok(ticks >= 2, `only ${ticks} timer ticks while waiting`);

            // Made against revision 0 while the holder (also from 0) is still open: the check waits for
            // the lock, so it sees the holder's commit and refuses without running.
            const stale = patient.transaction(
              async () => {
                ran = true;
              },
              { ctx: bob, expectedRevision: 0 },
            );
            setTimeout(release.open, 100);
            await assert.rejects(stale, (error: unknown) => {
              assert.ok(error instanceof StaleRevisionError, String(error));
              assert.deepEqual([error.expected, error.actual], [0, 1]);
              return true;
            });
            assert.equal(ran, false);
            assert.equal((await holder).revision, 1);
            const after = await impatient.transaction(async (tx) => (await tx.get("Api", "held"))?.props, {
              ctx: bob,
              expectedRevision: 1,
            });
            assert.deepEqual(after, { result: { audience: "h", displayName: "Held" }, revision: 2 });
          } finally {
            clearTimeout(guard);
            release.open();
            await holder.catch(() => undefined);
          }
        }),
    );
  });
});
