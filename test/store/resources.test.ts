/**
 * The store contract (issue 14), reconciled state: resources, revisions, the audit log and the OpenAPI
 * import history, as src/store/resources.ts states them, on every backend (test/support/stores.ts).
 * What only the SQLite file has (WAL, pragmas, migrations of old files) is in sqlite.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RESOURCE_KINDS, type ResourceKind } from "../../src/model/resources.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { alice, bob, putAll, SAMPLES } from "./fixtures/samples.ts";
import { commit, ctxOf } from "./helpers.ts";

describe("the samples", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("every kind of the model can be stored", { timeout: STORE_TEST_TIMEOUT_MS }, () => {
    assert.deepEqual(new Set(SAMPLES.map((s) => s.kind)), new Set(RESOURCE_KINDS));
  });
});

forEachStore((backend) => {
  const inNewStore = (fn: (store: Store) => Promise<void>) => withStore(backend, ({ store }) => fn(store));

  describe(`${backend.name} store: resources`, { timeout: SUITE_TIMEOUT_MS }, () => {
    for (const sample of SAMPLES) {
      test(`${sample.kind}: put, get, list, remove`, { timeout: STORE_TEST_TIMEOUT_MS }, () =>
        inNewStore(async (store) => {
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
        }),
      );
    }

    test(
      "listAll returns every row of every kind, ordered by kind then id",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction((tx) => putAll(tx, [...SAMPLES].reverse()), { ctx: alice });
          const all = await store.listAll();
          assert.deepEqual(
            all.map((r) => `${r.kind}:${r.id}`),
            SAMPLES.map((r) => `${r.kind}:${r.id}`).sort(),
          );
          for (const sample of SAMPLES) {
            assert.deepEqual(
              all.find((r) => r.kind === sample.kind && r.id === sample.id)?.props,
              sample.props,
            );
          }
        }),
    );

    test(
      "a row without a commit has no commit field; an unknown kind is refused",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction(
            (tx) => tx.put("Api", "a", { audience: "x", displayName: "X" }, ctxOf("ops")),
            {
              ctx: ctxOf("ops"),
            },
          );
          const row = await store.get("Api", "a");
          assert.ok(row);
          assert.equal("commit" in row, false);
          await assert.rejects(
            store.transaction((tx) => tx.put("Gadget" as ResourceKind, "g", {}, alice), { ctx: alice }),
            /unknown resource kind "Gadget"/,
          );
          assert.equal(await store.revision(), 1);
        }),
    );

    test(
      "insert writes a new row as put does, and refuses one already there (in the store or earlier in the transaction) with store.exists, keeping nothing",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          const api = { audience: "x", displayName: "X" };
          await store.transaction((tx) => tx.insert("Api", "a", api, alice), { ctx: alice });
          assert.deepEqual((await store.get("Api", "a"))?.props, api);
          assert.equal((await store.audit()).length, 1);

          const refused = { code: "store.exists", message: 'Api "a" already exists in the store' };
          await assert.rejects(
            store.transaction((tx) => tx.insert("Api", "a", { ...api, displayName: "Y" }, bob), { ctx: bob }),
            refused,
          );
          await assert.rejects(
            store.transaction(
              async (tx) => {
                await tx.insert("Api", "b", api, bob);
                await tx.insert("Api", "b", api, bob);
              },
              { ctx: bob },
            ),
            { code: "store.exists", message: 'Api "b" already exists in the store' },
          );
          assert.equal(await store.revision(), 1);
          assert.deepEqual((await store.get("Api", "a"))?.props, api);
          assert.equal(await store.get("Api", "b"), undefined);
          assert.equal((await store.audit()).length, 1);
        }),
    );

    test(
      "put over an existing row keeps its created revision and takes the new updated revision and owner",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction(
            (tx) => tx.put("Api", "orders", { audience: "a", displayName: "A" }, alice),
            {
              ctx: alice,
            },
          );
          await store.transaction(
            (tx) => tx.put("Api", "other", { audience: "o", displayName: "O" }, alice),
            {
              ctx: alice,
            },
          );
          await store.transaction(
            (tx) => tx.put("Api", "orders", { audience: "a", displayName: "A2" }, bob),
            {
              ctx: bob,
            },
          );
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
        }),
    );

    test(
      "reads inside the transaction see its writes; the store's reads see only committed revisions",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          await store.transaction(
            (tx) => tx.put("Api", "old", { audience: "o", displayName: "Old" }, alice),
            {
              ctx: alice,
            },
          );
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
        }),
    );

    test(
      "removing a row that is not there throws, and the transaction is rolled back",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
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
        }),
    );
  });

  describe(`${backend.name} store: revisions, audit, imports`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "each transaction bumps the revision by one and writes a revisions row, newest first",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
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
        }),
    );

    test("put and remove write audit rows with before and after", { timeout: STORE_TEST_TIMEOUT_MS }, () =>
      inNewStore(async (store) => {
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
      }),
    );

    test("import records come back newest first, per source or all", { timeout: STORE_TEST_TIMEOUT_MS }, () =>
      inNewStore(async (store) => {
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
      }),
    );
  });

  describe(`${backend.name} store: what the readers rely on`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "props of every JSON shape come back as they were put, in rows and in audit rows",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          // What manifests and OpenAPI files can carry: any text (a NUL, line and paragraph separators,
          // quotes, backslashes, scripts and combining marks, astral characters), every JSON number a
          // prop may hold, empty and nested containers, nulls inside them, and long values.
          const props = {
            description: 'NUL \u0000 here; LS \u2028 PS \u2029; "quoted" \\ back\\slash; tab\t; newline\n',
            scripts: ["Ünïcödé", "e\u0301", "שלום", "日本語", "🙂 astral 𝄞", ""],
            numbers: [0, -1, 0.1, 1e-7, 2 ** 53 - 1, -(2 ** 53 - 1), 1e21, 123.456],
            flags: { yes: true, no: false, nothing: null },
            empty: { object: {}, array: [], string: "" },
            nested: { a: [{ b: [{ c: [[], {}, [null]] }] }] },
            long: "x".repeat(100_000),
          };
          await store.transaction((tx) => tx.put("Api", "odd", props, alice), { ctx: alice });
          assert.deepEqual((await store.get("Api", "odd"))?.props, props);
          assert.deepEqual((await store.list("Api"))[0]?.props, props);
          assert.deepEqual((await store.listAll())[0]?.props, props);
          const changed = { ...props, description: "\u0000" };
          await store.transaction((tx) => tx.put("Api", "odd", changed, bob), { ctx: bob });
          const [created, updated] = await store.audit();
          assert.deepEqual([created?.before, created?.after], [null, props]);
          assert.deepEqual([updated?.before, updated?.after], [props, changed]);
        }),
    );

    test("list and listAll order ids by code point (as JavaScript's sort does), whatever the database's collation", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      // A language collation (en-US) would put "alpha" before "Zeta" and "é" before "f": the store's
      // order must not depend on how the database was created.
      const opened = await backend.openWithLanguageCollation();
      try {
        const { store } = opened;
        const ids = ["Zeta", "alpha", "a-b", "ab", "a_b", "A", "é", "f", "10", "9", "a b", "ä"];
        await store.transaction(
          async (tx) => {
            for (const id of ids)
              await tx.put("Role", id, { displayName: id, description: "", scopes: {} }, alice);
            await tx.put("Api", "zz", { audience: "z", displayName: "Z" }, alice);
            await tx.put(
              "ApiKey",
              "k",
              { api: "zz", scopes: [], prefix: "sk_k", sha256: "0".repeat(64) },
              alice,
            );
          },
          { ctx: alice },
        );
        const sorted = [...ids].sort();
        assert.deepEqual(
          (await store.list("Role")).map((r) => r.id),
          sorted,
        );
        assert.deepEqual(
          (await store.listAll()).map((r) => `${r.kind}:${r.id}`),
          ["Api:zz", "ApiKey:k", ...sorted.map((id) => `Role:${id}`)],
        );
      } finally {
        await opened.cleanup();
      }
    });

    test(
      "audit rows come back in the order they were written, not sorted; revisions(limit) newest first",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          const role = { displayName: "R", description: "", scopes: {} };
          await store.transaction(
            async (tx) => {
              await tx.put("User", "zed", { email: "z@example.com" }, alice);
              await tx.put("Role", "m", role, alice);
              await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
              await tx.put("Role", "b", role, alice);
            },
            { ctx: alice },
          );
          await store.transaction(
            async (tx) => {
              await tx.remove("Role", "m", bob);
              await tx.put("Api", "a", { audience: "a", displayName: "A2" }, bob);
            },
            { ctx: bob },
          );
          // An apply that changed nothing still makes a revision, with no audit rows.
          await store.transaction(async () => undefined, { ctx: ctxOf("carol") });
          assert.deepEqual(
            (await store.audit(1)).map((a) => `${a.kind}:${a.id}`),
            ["User:zed", "Role:m", "Api:a", "Role:b"],
          );
          assert.deepEqual(
            (await store.audit()).map((a) => `${a.revision}:${a.kind}:${a.id}`),
            ["1:User:zed", "1:Role:m", "1:Api:a", "1:Role:b", "2:Role:m", "2:Api:a"],
          );
          assert.deepEqual(await store.audit(3), []);
          assert.deepEqual(
            (await store.revisions(1)).map((r) => r.revision),
            [3],
          );
          assert.deepEqual(
            (await store.revisions(10)).map((r) => [r.revision, r.actor]),
            [
              [3, "carol"],
              [2, "bob"],
              [1, "alice"],
            ],
          );
          assert.deepEqual((await store.revisions(3))[0]?.summary, { create: 0, update: 0, delete: 0 });
          assert.deepEqual((await store.revisions(3))[1]?.summary, { create: 0, update: 1, delete: 1 });
        }),
    );

    test(
      "a replace (remove, then put of the same id in one transaction) makes a new row of that revision",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          const v1 = { api: "orders", name: "get:orders", description: "List", origin: "manual" };
          const v2 = { ...v1, description: "List all" };
          await store.transaction((tx) => tx.put("Scope", "orders/get:orders", v1, alice), { ctx: alice });
          await store.transaction(
            async (tx) => {
              await tx.remove("Scope", "orders/get:orders", bob);
              assert.equal(await tx.get("Scope", "orders/get:orders"), undefined);
              await tx.put("Scope", "orders/get:orders", v2, bob);
              // A row written and removed within one transaction leaves nothing behind.
              await tx.put("Api", "tmp", { audience: "t", displayName: "T" }, bob);
              await tx.remove("Api", "tmp", bob);
            },
            { ctx: bob },
          );
          assert.deepEqual(await store.get("Scope", "orders/get:orders"), {
            kind: "Scope",
            id: "orders/get:orders",
            props: v2,
            managedBy: "pulumi:prod",
            commit: bob.commit?.sha,
            createdRevision: 2,
            updatedRevision: 2,
          });
          assert.equal(await store.get("Api", "tmp"), undefined);
          assert.deepEqual(
            (await store.audit(2)).map((a) => [a.kind, a.id, a.before, a.after]),
            [
              ["Scope", "orders/get:orders", v1, null],
              ["Scope", "orders/get:orders", null, v2],
              ["Api", "tmp", null, { audience: "t", displayName: "T" }],
              ["Api", "tmp", { audience: "t", displayName: "T" }, null],
            ],
          );
          assert.deepEqual((await store.revisions(1))[0]?.summary, { create: 2, update: 0, delete: 2 });
        }),
    );

    test(
      "without a commit, neither audit rows, import records nor revisions have a commit field",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        inNewStore(async (store) => {
          const ops = ctxOf("ops");
          await store.transaction(
            async (tx) => {
              await tx.put("Api", "a", { audience: "a", displayName: "A" }, ops);
              await tx.addImport({
                source: "a-spec",
                api: "a",
                action: "upload",
                file: { path: "a.yaml", sha256: "a".repeat(64), size: 1 },
                log: [],
              });
            },
            { ctx: ops },
          );
          const [audit] = await store.audit();
          const [record] = await store.imports();
          const [revision] = await store.revisions();
          assert.ok(audit && record && revision);
          assert.equal("commit" in audit, false);
          assert.equal("commit" in record, false);
          assert.equal("commit" in revision, false);
          assert.equal(record.time, revision.time);
          assert.equal(audit.time, revision.time);
        }),
    );
  });
});
