/**
 * What only the SQLite store has: its file (created with its folder, WAL mode, the schema version in
 * user_version, refusing files of something else or of a newer scopectl), its numbered migrations and
 * the upgrade of files written by older versions, and SQLite's own write lock held by another
 * connection. What every store does is the contract suite beside this file (test/support/stores.ts).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { MIGRATIONS, migrate, SCHEMA_VERSION, StoreVersionError } from "../../src/store/sqlite/migrations.ts";
import { defaultStorePath, openSqliteStore } from "../../src/store/sqlite/open.ts";
import { type Store, StoreLockedError } from "../../src/store/store.ts";
import { STORE_TEST_TIMEOUT_MS } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { key, T1 } from "./fixtures/keys.ts";
import { alice, putAll, SAMPLES } from "./fixtures/samples.ts";
import {
  appOf,
  at,
  DAY,
  declareAlice,
  revocation,
  signedIn,
  T0,
  tokenOf,
  userOf,
} from "./fixtures/sign-in.ts";
import { tempDirs } from "./helpers.ts";

const tempDir = tempDirs("store");

async function newStore(name = "store.db"): Promise<{ store: Store; file: string }> {
  const file = path.join(await tempDir(), name);
  return { store: await openSqliteStore(file), file };
}

describe("SQLite store: file and migrations", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a new file (and its folder) is created, migrated to the latest version, at revision 0", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const file = path.join(await tempDir(), "nested", "deeper", "store.db");
    const store = await openSqliteStore(file);
    try {
      assert.equal(await store.revision(), 0);
      assert.deepEqual(await store.listAll(), []);
      assert.deepEqual(await store.revisions(), []);
    } finally {
      await store.close();
    }
    assert.ok(existsSync(file));
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      const tables = db
        .prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .pluck()
        .all();
      assert.deepEqual(tables, [
        "audit",
        "authorization_codes",
        "grants",
        "imports",
        "meta",
        "plan_records",
        "refresh_tokens",
        "resources",
        "revisions",
        "signing_keys",
        "sync_leaders",
        "sync_status",
        "user_passwords",
      ]);
    } finally {
      db.close();
    }
  });

  test("reopening keeps the data and the version, and runs no migration again", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const { store, file } = await newStore();
    await store.transaction((tx) => putAll(tx, SAMPLES), { ctx: alice });
    await store.close();
    const again = await openSqliteStore(file);
    try {
      assert.equal(await again.revision(), 1);
      assert.equal((await again.listAll()).length, SAMPLES.length);
    } finally {
      await again.close();
    }
    const db = new Database(file);
    try {
      assert.deepEqual(migrate(db, file), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });

  test("migrations are numbered 1..n", { timeout: STORE_TEST_TIMEOUT_MS }, () => {
    assert.deepEqual(
      MIGRATIONS.map((m) => m.version),
      MIGRATIONS.map((_, i) => i + 1),
    );
    const db = new Database(":memory:");
    try {
      assert.throws(
        () => migrate(db, "mem", [{ version: 2, description: "gap", sql: "SELECT 1" }]),
        /numbered 1, 2, 3/,
      );
    } finally {
      db.close();
    }
  });

  test("pending migrations apply in one transaction: one that fails leaves the file as it was", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const file = path.join(await tempDir(), "partial.db");
    const db = new Database(file);
    try {
      const first = MIGRATIONS[0];
      assert.ok(first);
      migrate(db, file, [first]);
      assert.equal(db.pragma("user_version", { simple: true }), 1);
      const broken = [
        first,
        { version: 2, description: "adds a table", sql: "CREATE TABLE extra (x INTEGER)" },
        {
          version: 3,
          description: "fails",
          sql: "CREATE TABLE extra2 (x INTEGER); SELECT * FROM no_such_table",
        },
      ];
      assert.throws(() => migrate(db, file, broken), /no such table/);
      assert.equal(db.pragma("user_version", { simple: true }), 1);
      const extra = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'extra%'").pluck().get();
      assert.equal(extra, 0);
      assert.equal(db.inTransaction, false);
      // The good ones then apply, both at once.
      assert.deepEqual(migrate(db, file, broken.slice(0, 2)), { from: 1, to: 2 });
      assert.equal(db.pragma("user_version", { simple: true }), 2);
    } finally {
      db.close();
    }
  });

  test("a file written by a newer scopectl is refused with a clear message and left untouched", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const { store, file } = await newStore();
    await store.close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    db.close();
    await assert.rejects(openSqliteStore(file), (error: unknown) => {
      assert.ok(error instanceof StoreVersionError);
      assert.equal(
        error.message,
        `the store ${file} has schema version ${SCHEMA_VERSION + 7}, newer than this scopectl knows (${SCHEMA_VERSION}); upgrade scopectl to open it`,
      );
      return true;
    });
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION + 7);
    check.close();
  });

  test("an SQLite file of something else, or a file that is not SQLite, is refused", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const dir = await tempDir();
    const foreign = path.join(dir, "foreign.db");
    const db = new Database(foreign);
    db.exec("CREATE TABLE things (x)");
    db.close();
    await assert.rejects(
      openSqliteStore(foreign),
      /foreign\.db is an SQLite database with tables of its own/,
    );

    const text = path.join(dir, "notes.txt");
    await writeFile(
      text,
      "this is not a database, just some text that is long enough to have a header\n".repeat(20),
    );
    await assert.rejects(
      openSqliteStore(text),
      /cannot open the store .*notes\.txt: it is not an SQLite database/,
    );
  });

  test("defaultStorePath: .scopectl/store.db, or $SCOPECTL_STORE relative to the folder", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, () => {
    assert.equal(defaultStorePath("/srv/app", {}), path.join("/srv/app", ".scopectl", "store.db"));
    assert.equal(
      defaultStorePath("/srv/app", { SCOPECTL_STORE: "" }),
      path.join("/srv/app", ".scopectl", "store.db"),
    );
    assert.equal(
      defaultStorePath("/srv/app", { SCOPECTL_STORE: "data/s.db" }),
      path.resolve("/srv/app", "data/s.db"),
    );
    assert.equal(defaultStorePath("/srv/app", { SCOPECTL_STORE: "/var/lib/s.db" }), "/var/lib/s.db");
  });
});

describe("SQLite store: the file's write lock", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("another connection holding the write lock: the transaction waits without blocking, then gives up clearly", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async (t) => {
    const file = path.join(await tempDir(), "locked.db");
    const store = await openSqliteStore(file, { busyTimeoutMs: 400 });
    const other = new Database(file);
    try {
      other.exec("BEGIN IMMEDIATE");
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = Date.now();
      let ran = false;
      await assert.rejects(
        store.transaction(
          async () => {
            ran = true;
          },
          { ctx: alice },
        ),
        (error: unknown) => {
          assert.ok(error instanceof StoreLockedError);
          assert.equal(
            error.message,
            `another writer held the store's write lock too long (${file}); nothing was written, try again`,
          );
          return true;
        },
      );
      clearInterval(ticker);
      t.diagnostic(`gave up after ${Date.now() - started} ms (busy timeout 400 ms)`);
      assert.equal(ran, false);
      // The wait polled asynchronously: the event loop kept running timers (a blocking wait runs none).
      assert.ok(ticks >= 2, `only ${ticks} timer ticks while waiting`);

      // Released while a transaction waits: the transaction goes ahead.
      const released = setTimeout(() => other.exec("ROLLBACK"), 100);
      const done = await store.transaction(
        (tx) => tx.put("Api", "a", { audience: "a", displayName: "A" }, alice),
        {
          ctx: alice,
        },
      );
      clearTimeout(released);
      assert.equal(done.revision, 1);
    } finally {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
      await store.close();
    }
  });
});

describe("SQLite store: files of older versions", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a version-1 file migrates to the latest version and keeps its rows", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
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

  test("a version-2 file migrates to the latest version, keeps its rows and holds sign-in state", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const file = path.join(await tempDir(), "v2.db");
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 2));
    db.prepare("UPDATE meta SET revision = 4, keys_version = 2").run();
    db.prepare(
      "INSERT INTO resources (kind, id, props, managed_by, commit_sha, created_revision, updated_revision) VALUES ('User', 'alice', ?, 'scopectl', NULL, 4, 4)",
    ).run(JSON.stringify({ email: "alice@example.com" }));
    db.close();

    const store = await openSqliteStore(file);
    try {
      assert.equal(await store.revision(), 4);
      assert.equal(await store.keysVersion(), 2);
      assert.deepEqual(
        (await store.listAll()).map((r) => [r.kind, r.id]),
        [["User", "alice"]],
      );
      await store.setPassword("alice", "$argon2id$h", T0);
      assert.equal(await store.passwordHash("alice"), "$argon2id$h");
      await signedIn(store);
      assert.equal(await store.revision(), 4);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      assert.ok(SCHEMA_VERSION >= 3);
    } finally {
      check.close();
    }
  });

  test("migration 4 → 5 revokes the sign-ins that predate recorded grants, and keeps earlier revocations", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const file = path.join(await tempDir(), "v4.db");
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 4));
    const insert = db.prepare(
      "INSERT INTO grants (id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, prune_after) VALUES (?, 'web', 'alice', ?, '[]', 0, NULL, ?, ?, ?, julianday(?) + 1)",
    );
    // A sign-in that asked for no API scope: under the old rules every refresh got all the user held.
    insert.run("live", JSON.stringify(["openid", "offline_access"]), T0, null, null, T0);
    insert.run("gone", JSON.stringify(["openid"]), T0, at(5), "refresh token reused", T0);
    db.prepare(
      "INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at) VALUES ('live-r1', 'live', ?, ?)",
    ).run(T0, at(DAY));
    db.close();

    const store = await openSqliteStore(file);
    try {
      const live = (await store.grant("live")) ?? assert.fail("the live grant is gone");
      assert.equal(live.revokedReason, "store upgrade: the sign-in predates recorded grants");
      assert.ok(live.revokedAt !== undefined && !Number.isNaN(Date.parse(live.revokedAt)));
      assert.deepEqual(live.granted, { openIdScopes: [], audiences: [] }, "it grants nothing");
      assert.deepEqual(
        await store.rotateRefreshToken("live-r1", "web", tokenOf("x", at(1), at(DAY)), at(1)),
        {
          status: "revoked",
        },
      );
      const gone = (await store.grant("gone")) ?? assert.fail("the revoked grant is gone");
      assert.equal(gone.revokedAt, at(5));
      assert.equal(gone.revokedReason, "refresh token reused");
      // New sign-ins after the upgrade are not touched.
      await declareAlice(store);
      await signedIn(store, "new");
      assert.equal((await store.grant("new"))?.revokedAt, undefined);
    } finally {
      await store.close();
    }
  });

  test("migration 5 → 6 revokes the live grants of disabled or removed users and applications", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const file = path.join(await tempDir(), "v5.db");
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 5));
    const resource = db.prepare(
      "INSERT INTO resources (kind, id, props, managed_by, commit_sha, created_revision, updated_revision) VALUES (?, ?, ?, 'scopectl', NULL, 1, 1)",
    );
    resource.run("User", "alice", JSON.stringify(userOf("alice@example.com")));
    resource.run("User", "carol", JSON.stringify(userOf("carol@example.com", true)));
    resource.run("Application", "web", JSON.stringify(appOf("web")));
    resource.run("Application", "old", JSON.stringify(appOf("old", true)));
    const grant = db.prepare(
      "INSERT INTO grants (id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, prune_after, granted) VALUES (?, ?, ?, '[]', '[]', 0, NULL, ?, ?, ?, julianday(?) + 1, ?)",
    );
    const granted = JSON.stringify({ openIdScopes: [], audiences: [] });
    grant.run("live", "web", "alice", T0, null, null, T0, granted);
    grant.run("disabled-user", "web", "carol", T0, null, null, T0, granted);
    grant.run("removed-user", "web", "dave", T0, null, null, T0, granted);
    grant.run("disabled-app", "old", "alice", T0, null, null, T0, granted);
    grant.run("removed-app", "gone", "alice", T0, null, null, T0, granted);
    grant.run("earlier", "web", "carol", T0, at(5), "refresh token reused", T0, granted);
    db.close();

    const store = await openSqliteStore(file);
    try {
      assert.equal(await revocation(store, "live"), undefined);
      for (const id of ["disabled-user", "removed-user", "disabled-app", "removed-app"]) {
        assert.equal(
          await revocation(store, id),
          "store upgrade: its user or application was disabled or removed",
          id,
        );
      }
      const earlier = (await store.grant("earlier")) ?? assert.fail("no grant earlier");
      assert.deepEqual([earlier.revokedAt, earlier.revokedReason], [at(5), "refresh token reused"]);
    } finally {
      await store.close();
    }
  });
});
