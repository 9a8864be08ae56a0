import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { RESOURCE_KINDS, type Resource, type ResourceKind } from "../../src/model/resources.ts";
import { StaleRevisionError, type StoreTransaction } from "../../src/store/resources.ts";
import { MIGRATIONS, migrate, SCHEMA_VERSION, StoreVersionError } from "../../src/store/sqlite/migrations.ts";
import { defaultStorePath, openSqliteStore } from "../../src/store/sqlite/open.ts";
import { type Store, StoreLockedError } from "../../src/store/store.ts";
import { commit, ctxOf, tempDirs } from "./helpers.ts";

const tempDir = tempDirs("store");

async function newStore(name = "store.db"): Promise<{ store: Store; file: string }> {
  const file = path.join(await tempDir(), name);
  return { store: await openSqliteStore(file), file };
}

async function withStore(fn: (store: Store, file: string) => Promise<void>): Promise<void> {
  const { store, file } = await newStore();
  try {
    await fn(store, file);
  } finally {
    await store.close();
  }
}

const alice = ctxOf("alice", "1111111111111111111111111111111111111111");
const bob = ctxOf("bob", "2222222222222222222222222222222222222222", "pulumi:prod");

/** One resource of every kind. */
const SAMPLES: Resource[] = [
  {
    kind: "Settings",
    id: "default",
    props: {
      issuer: "https://auth.example.com",
      signingAlg: "ES256",
      accessTokenLifetimeSeconds: 900,
      managementAudience: "https://auth.example.com/manage",
    },
  },
  { kind: "Api", id: "orders", props: { audience: "https://orders.example.com", displayName: "Orders" } },
  {
    kind: "OpenApiSource",
    id: "orders-spec",
    props: {
      api: "orders",
      file: { path: "specs/orders.yaml", sha256: "ab".repeat(32), size: 1234 },
      specVersion: "3.1.0",
    },
  },
  {
    kind: "Scope",
    id: "orders/get:orders",
    props: {
      api: "orders",
      name: "get:orders",
      description: "List orders",
      origin: "openapi",
      source: "orders-spec",
    },
  },
  {
    kind: "Role",
    id: "clerk",
    props: { displayName: "Clerk", description: "Reads orders", scopes: { orders: ["get:orders"] } },
  },
  {
    kind: "User",
    id: "ada",
    props: {
      email: "ada@example.com",
      displayName: "Ada — ✓ ünïcode",
      roles: ["clerk"],
      additionalScopes: { orders: ["get:orders"] },
      disabled: false,
    },
  },
  {
    kind: "Application",
    id: "billing",
    props: {
      type: "m2m",
      clientId: "billing",
      secret: { kind: "env", env: "BILLING_SECRET", sha256: "cd".repeat(32) },
      redirectUris: [],
      apis: { orders: { all: false, scopes: ["get:orders"] } },
      tokens: { lifetimeSeconds: 600, includeApiScopesInPermissions: true },
    },
  },
  {
    kind: "ApiKey",
    id: "ci-key",
    props: { api: "orders", scopes: ["get:orders"], prefix: "sk_ci", sha256: "ef".repeat(32) },
  },
];

async function putAll(tx: StoreTransaction, resources: Resource[], ctx = alice): Promise<void> {
  for (const r of resources) await tx.put(r.kind, r.id, r.props, ctx);
}

describe("SQLite store: file and migrations", () => {
  test("a new file (and its folder) is created, migrated to the latest version, at revision 0", async () => {
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
        "refresh_tokens",
        "resources",
        "revisions",
        "signing_keys",
        "sync_status",
        "user_passwords",
      ]);
    } finally {
      db.close();
    }
  });

  test("reopening keeps the data and the version, and runs no migration again", async () => {
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

  test("migrations are numbered 1..n", () => {
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

  test("pending migrations apply in one transaction: one that fails leaves the file as it was", async () => {
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

  test("a file written by a newer scopectl is refused with a clear message and left untouched", async () => {
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

  test("an SQLite file of something else, or a file that is not SQLite, is refused", async () => {
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

  test("defaultStorePath: .scopectl/store.db, or $SCOPECTL_STORE relative to the folder", () => {
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

describe("SQLite store: resources", () => {
  for (const sample of SAMPLES) {
    test(`${sample.kind}: put, get, list, remove`, () =>
      withStore(async (store) => {
        const other = SAMPLES.find((r) => r.kind !== sample.kind);
        assert.ok(other);
        const second = { ...sample, id: `${sample.id}-2` };
        await store.transaction(
          async (tx) => {
            await tx.put(second.kind, second.id, second.props, alice);
            await tx.put(sample.kind, sample.id, sample.props, alice);
            await tx.put(other.kind, other.id, other.props, bob);
          },
          { ctx: alice },
        );
        const got = await store.get(sample.kind, sample.id);
        assert.deepEqual(got, {
          kind: sample.kind,
          id: sample.id,
          props: sample.props,
          managedBy: "scopectl",
          commit: alice.commit?.sha,
          createdRevision: 1,
          updatedRevision: 1,
        });
        assert.equal(await store.get(sample.kind, "missing"), undefined);
        const listed = await store.list(sample.kind);
        assert.deepEqual(
          listed.map((r) => r.id),
          [sample.id, second.id],
        );
        assert.deepEqual(listed[1]?.props, second.props);
        assert.ok(listed.every((r) => r.kind === sample.kind));
        assert.equal((await store.listAll()).length, 3);

        await store.transaction((tx) => tx.remove(sample.kind, sample.id, bob), { ctx: bob });
        assert.equal(await store.get(sample.kind, sample.id), undefined);
        assert.deepEqual(
          (await store.list(sample.kind)).map((r) => r.id),
          [second.id],
        );
        assert.equal(await store.revision(), 2);
      }));
  }

  test("listAll returns every row of every kind, ordered by kind then id", () =>
    withStore(async (store) => {
      await store.transaction((tx) => putAll(tx, [...SAMPLES].reverse()), { ctx: alice });
      const all = await store.listAll();
      assert.deepEqual(
        all.map((r) => `${r.kind}:${r.id}`),
        SAMPLES.map((r) => `${r.kind}:${r.id}`).sort(),
      );
      for (const sample of SAMPLES) {
        assert.deepEqual(all.find((r) => r.kind === sample.kind && r.id === sample.id)?.props, sample.props);
      }
    }));

  test("a row without a commit has no commit field; an unknown kind is refused", () =>
    withStore(async (store) => {
      await store.transaction((tx) => tx.put("Api", "a", { audience: "x", displayName: "X" }, ctxOf("ops")), {
        ctx: ctxOf("ops"),
      });
      const row = await store.get("Api", "a");
      assert.ok(row);
      assert.equal("commit" in row, false);
      await assert.rejects(
        store.transaction((tx) => tx.put("Gadget" as ResourceKind, "g", {}, alice), { ctx: alice }),
        /unknown resource kind "Gadget"/,
      );
      assert.equal(await store.revision(), 1);
    }));

  test("put over an existing row keeps its created revision and takes the new updated revision and owner", () =>
    withStore(async (store) => {
      await store.transaction((tx) => tx.put("Api", "orders", { audience: "a", displayName: "A" }, alice), {
        ctx: alice,
      });
      await store.transaction((tx) => tx.put("Api", "other", { audience: "o", displayName: "O" }, alice), {
        ctx: alice,
      });
      await store.transaction((tx) => tx.put("Api", "orders", { audience: "a", displayName: "A2" }, bob), {
        ctx: bob,
      });
      assert.deepEqual(await store.get("Api", "orders"), {
        kind: "Api",
        id: "orders",
        props: { audience: "a", displayName: "A2" },
        managedBy: "pulumi:prod",
        commit: bob.commit?.sha,
        createdRevision: 1,
        updatedRevision: 3,
      });
      const other = await store.get("Api", "other");
      assert.equal(other?.createdRevision, 2);
      assert.equal(other?.updatedRevision, 2);
    }));

  test("reads inside the transaction see its writes; the store's reads see only committed revisions", () =>
    withStore(async (store) => {
      await store.transaction((tx) => tx.put("Api", "old", { audience: "o", displayName: "Old" }, alice), {
        ctx: alice,
      });
      await store.transaction(
        async (tx) => {
          await tx.put("Api", "new", { audience: "n", displayName: "New" }, alice);
          await tx.put("Api", "old", { audience: "o", displayName: "Changed" }, alice);
          assert.deepEqual((await tx.get("Api", "new"))?.props, { audience: "n", displayName: "New" });
          assert.equal((await tx.get("Api", "new"))?.updatedRevision, 2);
          assert.deepEqual(
            (await tx.list("Api")).map((r) => r.props.displayName),
            ["New", "Changed"],
          );
          assert.equal((await tx.audit(2)).length, 2);
          // The transaction reads the revision it started from; its rows carry the next one.
          assert.equal(await tx.revision(), 1);

          assert.equal(await store.get("Api", "new"), undefined);
          assert.equal((await store.get("Api", "old"))?.props.displayName, "Old");
          assert.equal(await store.revision(), 1);
          assert.deepEqual(await store.audit(2), []);
        },
        { ctx: alice },
      );
      assert.equal((await store.get("Api", "old"))?.props.displayName, "Changed");
      assert.equal(await store.revision(), 2);
    }));

  test("removing a row that is not there throws, and the transaction is rolled back", () =>
    withStore(async (store) => {
      await assert.rejects(
        store.transaction(
          async (tx) => {
            await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
            await tx.remove("Role", "ghost", alice);
          },
          { ctx: alice },
        ),
        /cannot remove Role "ghost": it is not in the store/,
      );
      assert.equal(await store.revision(), 0);
      assert.deepEqual(await store.listAll(), []);
      assert.deepEqual(await store.audit(), []);
    }));
});

describe("SQLite store: revisions, audit, imports", () => {
  test("each transaction bumps the revision by one and writes a revisions row, newest first", () =>
    withStore(async (store) => {
      const before = Date.now();
      const r1 = await store.transaction(
        async (tx) => {
          await putAll(tx, SAMPLES.slice(0, 3));
          return "first";
        },
        { ctx: alice, expectedRevision: 0, summary: { create: 3, update: 0, delete: 0 } },
      );
      assert.deepEqual(r1, { result: "first", revision: 1 });
      const r2 = await store.transaction(
        async (tx) => {
          await tx.put(
            "Api",
            "orders",
            { audience: "https://orders.example.com", displayName: "Orders 2" },
            bob,
          );
          await tx.put("Api", "new", { audience: "n", displayName: "N" }, bob);
          await tx.remove("Settings", "default", bob);
        },
        { ctx: bob, expectedRevision: 1 },
      );
      assert.equal(r2.revision, 2);
      const r3 = await store.transaction(async () => undefined, { ctx: ctxOf("carol") });
      assert.equal(r3.revision, 3);
      assert.equal(await store.revision(), 3);

      const revisions = await store.revisions();
      assert.deepEqual(
        revisions.map((r) => r.revision),
        [3, 2, 1],
      );
      const [third, second, first] = revisions;
      assert.deepEqual(first?.summary, { create: 3, update: 0, delete: 0 });
      assert.equal(first?.actor, "alice");
      assert.deepEqual(first?.commit, commit("1111111111111111111111111111111111111111"));
      // Without a summary, the counts of what the transaction did.
      assert.deepEqual(second?.summary, { create: 1, update: 1, delete: 1 });
      assert.equal(second?.actor, "bob");
      assert.equal(third?.actor, "carol");
      assert.equal(third?.commit, undefined);
      assert.equal("commit" in (third ?? {}), false);
      for (const r of revisions) {
        const time = Date.parse(r.time);
        assert.ok(time >= before - 1000 && time <= Date.now() + 1000, r.time);
        assert.equal(new Date(time).toISOString(), r.time);
      }
      assert.deepEqual(
        (await store.revisions(2)).map((r) => r.revision),
        [3, 2],
      );
    }));

  test("put and remove write audit rows with before and after", () =>
    withStore(async (store) => {
      const v1 = { audience: "https://o", displayName: "Orders" };
      const v2 = { audience: "https://o", displayName: "Orders v2" };
      await store.transaction(
        async (tx) => {
          await tx.put("Api", "orders", v1, alice);
          await tx.put("Role", "r", { displayName: "R", description: "", scopes: {} }, alice);
        },
        { ctx: alice },
      );
      await store.transaction(
        async (tx) => {
          await tx.put("Api", "orders", v2, bob);
          await tx.remove("Role", "r", bob);
        },
        { ctx: bob },
      );
      const [revision2] = await store.revisions(1);
      assert.ok(revision2);
      assert.deepEqual(await store.audit(2), [
        {
          revision: 2,
          actor: "bob",
          commit: bob.commit?.sha,
          kind: "Api",
          id: "orders",
          before: v1,
          after: v2,
          time: revision2.time,
        },
        {
          revision: 2,
          actor: "bob",
          commit: bob.commit?.sha,
          kind: "Role",
          id: "r",
          before: { displayName: "R", description: "", scopes: {} },
          after: null,
          time: revision2.time,
        },
      ]);
      const created = await store.audit(1);
      assert.deepEqual(
        created.map((a) => [a.kind, a.id, a.before, a.actor]),
        [
          ["Api", "orders", null, "alice"],
          ["Role", "r", null, "alice"],
        ],
      );
      assert.deepEqual(created[0]?.after, v1);
      assert.deepEqual(
        (await store.audit()).map((a) => `${a.revision}:${a.kind}:${a.id}`),
        ["1:Api:orders", "1:Role:r", "2:Api:orders", "2:Role:r"],
      );
      assert.deepEqual(await store.audit(3), []);
    }));

  test("import records come back newest first, per source or all", () =>
    withStore(async (store) => {
      const file = (sha: string) => ({ path: "specs/orders.yaml", sha256: sha.repeat(64), size: 10 });
      const log = [
        { action: "created" as const, scope: "get:orders", method: "get" as const, path: "/orders" },
      ];
      await store.transaction(
        async (tx) => {
          await tx.addImport({
            source: "orders-spec",
            api: "orders",
            action: "upload",
            file: file("a"),
            log,
          });
          await tx.addImport({
            source: "users-spec",
            api: "users",
            action: "upload",
            file: file("b"),
            log: [],
          });
        },
        { ctx: alice },
      );
      await store.transaction(
        (tx) =>
          tx.addImport({
            source: "orders-spec",
            api: "orders",
            action: "replace",
            file: file("c"),
            commit: "3333333333333333333333333333333333333333",
            log: [{ action: "removed", scope: "get:orders" }],
          }),
        { ctx: bob },
      );
      const orders = await store.imports("orders-spec");
      assert.deepEqual(
        orders.map((r) => [r.action, r.revision, r.commit, r.file.sha256[0]]),
        [
          ["replace", 2, "3333333333333333333333333333333333333333", "c"],
          ["upload", 1, alice.commit?.sha, "a"],
        ],
      );
      assert.deepEqual(orders[1]?.log, log);
      assert.deepEqual(orders[0]?.log, [{ action: "removed", scope: "get:orders" }]);
      assert.equal(orders[1]?.api, "orders");
      assert.ok((orders[0]?.id ?? 0) > (orders[1]?.id ?? 0));
      const [revision2] = await store.revisions(1);
      assert.equal(orders[0]?.time, revision2?.time);
      assert.deepEqual(
        (await store.imports()).map((r) => `${r.source}:${r.action}`),
        ["orders-spec:replace", "users-spec:upload", "orders-spec:upload"],
      );
      assert.deepEqual(await store.imports("nothing"), []);
    }));
});

describe("SQLite store: transactions", () => {
  test("a throw inside the transaction keeps nothing: revision, rows, audit, imports and revisions unchanged", () =>
    withStore(async (store) => {
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
    }));

  test("expectedRevision that does not match: StaleRevisionError, fn never runs, nothing written", () =>
    withStore(async (store) => {
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
    }));

  test("two transactions of one store started together run one after the other", () =>
    withStore(async (store) => {
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
    }));

  test("a transaction object cannot be used after its transaction ended", () =>
    withStore(async (store) => {
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
    }));

  test("another connection holding the write lock: the transaction waits without blocking, then gives up clearly", async (t) => {
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
          assert.equal(error.message, `another apply holds the store's write lock (file ${file}); try again`);
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

  test("a closed store refuses reads and transactions", async () => {
    const { store } = await newStore();
    await store.close();
    await assert.rejects(store.revision(), /is closed/);
    await assert.rejects(store.listAll(), /is closed/);
    await assert.rejects(
      store.transaction(async () => undefined, { ctx: alice }),
      /is closed/,
    );
    await store.close();
  });

  test("close waits for a running transaction to commit", async () => {
    const { store, file } = await newStore();
    const running = store.transaction(
      async (tx) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
      },
      { ctx: alice },
    );
    await store.close();
    assert.equal((await running).revision, 1);
    const again = await openSqliteStore(file);
    try {
      assert.equal(await again.revision(), 1);
    } finally {
      await again.close();
    }
  });

  test("every kind of the model can be stored", () => {
    assert.deepEqual(new Set(SAMPLES.map((s) => s.kind)), new Set(RESOURCE_KINDS));
  });
});
