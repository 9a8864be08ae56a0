/** The store's signing keys: add, retire, prune, the version counter, races, and migration 1 → 2. */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import type { SigningKeyRecord } from "../../src/store/signing-keys.ts";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "../../src/store/sqlite/migrations.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { ctxOf, tempDirs } from "./helpers.ts";

const tempDir = tempDirs("keys");

const key = (kid: string, createdAt: string, alg: SigningKeyRecord["alg"] = "RS256"): SigningKeyRecord => ({
  kid,
  alg,
  publicJwk: { kty: "RSA", n: `n-${kid}`, e: "AQAB", kid, alg, use: "sig" },
  privateKey: JSON.stringify({ kty: "RSA", d: `d-${kid}` }),
  encrypted: false,
  createdAt,
});

const T0 = "2030-01-01T00:00:00.000Z";
const T1 = "2030-01-01T01:00:00.000Z";
const T2 = "2030-01-01T02:00:00.000Z";
const T3 = "2030-01-01T03:00:00.000Z";

async function newStore() {
  const file = path.join(await tempDir(), "store.db");
  return { file, store: await openSqliteStore(file) };
}

describe("signing keys in the SQLite store", () => {
  test("a new store has no keys at version 0; an add lists the key and bumps the version, not the revision", async () => {
    const { store } = await newStore();
    try {
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
    } finally {
      await store.close();
    }
  });

  test("an add retires every unretired key until retireUntil, and prunes keys whose expiry has passed", async () => {
    const { store } = await newStore();
    try {
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
    } finally {
      await store.close();
    }
  });

  test("onlyIfNoActive adds nothing (and bumps nothing) when an unretired key of that alg exists", async () => {
    const { store } = await newStore();
    try {
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
    } finally {
      await store.close();
    }
  });

  test("two stores on one file racing with onlyIfNoActive add exactly one key", async () => {
    const { file, store: first } = await newStore();
    const second = await openSqliteStore(file);
    try {
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
      // Both wait for a write lock held elsewhere, then go: a check made before taking the lock would
      // let both add.
      const holder = new Database(file);
      try {
        holder.exec("BEGIN IMMEDIATE");
        const options = { retireUntil: T2, now: T1, onlyIfNoActive: "EdDSA" } as const;
        const racing = Promise.all([
          first.addSigningKey(key("p", T1, "EdDSA"), options),
          second.addSigningKey(key("q", T1, "EdDSA"), options),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        holder.exec("COMMIT");
        assert.deepEqual(
          (await racing).filter((r) => r),
          [true],
        );
      } finally {
        holder.close();
      }
      const keys = await second.signingKeys();
      assert.equal(keys.filter((k) => k.retiredAt === undefined).length, 1);
      // The ten earlier keys were retired until T1, and the race ran at T1: pruned, all but the last
      // active one, which this race retired.
      assert.equal(keys.length, 2);
      assert.equal(await first.keysVersion(), 11);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test("a time that is not ISO 8601 is refused before anything is written", async () => {
    const { store } = await newStore();
    try {
      await assert.rejects(
        store.addSigningKey(key("a", T0), { retireUntil: "tomorrow", now: T0 }),
        /retireUntil must be an ISO 8601 time, not "tomorrow"/,
      );
      assert.equal(await store.keysVersion(), 0);
      // The store still works: the failed call released the writer.
      assert.equal(await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0 }), true);
    } finally {
      await store.close();
    }
  });

  test("a duplicate kid is refused and changes nothing", async () => {
    const { store } = await newStore();
    try {
      await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0 });
      await assert.rejects(store.addSigningKey(key("a", T1), { retireUntil: T2, now: T1 }), /UNIQUE/);
      const keys = await store.signingKeys();
      assert.deepEqual(
        keys.map((k) => [k.kid, k.retiredAt]),
        [["a", undefined]],
      );
      assert.equal(await store.keysVersion(), 1);
    } finally {
      await store.close();
    }
  });

  test("a version-1 file migrates to the latest version and keeps its rows", async () => {
    const file = path.join(await tempDir(), "v1.db");
    const db = new Database(file);
    const first = MIGRATIONS[0];
    assert.ok(first);
    migrate(db, file, [first]);
    db.prepare("UPDATE meta SET revision = 4").run();
    db.prepare(
      "INSERT INTO resources (kind, id, props, managed_by, commit_sha, created_revision, updated_revision) VALUES ('Api', 'orders', ?, 'scopectl', NULL, 4, 4)",
    ).run(JSON.stringify({ audience: "https://orders", displayName: "Orders" }));
    db.close();

    const store = await openSqliteStore(file);
    try {
      assert.equal(await store.revision(), 4);
      assert.deepEqual(
        (await store.listAll()).map((r) => [r.kind, r.id, r.props]),
        [["Api", "orders", { audience: "https://orders", displayName: "Orders" }]],
      );
      assert.equal(await store.keysVersion(), 0);
      assert.deepEqual(await store.signingKeys(), []);
      assert.equal(await store.addSigningKey(key("a", T0), { retireUntil: T1, now: T0 }), true);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    } finally {
      check.close();
    }
  });
});
