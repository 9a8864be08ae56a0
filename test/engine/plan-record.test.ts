/**
 * engine/plan-record.ts on every backend: after an apply (or a plan with nothing to do), a plan with
 * `record` answers from the store's plan record, exactly what a full plan gives; and every kind of
 * change to what a plan reads makes the record answer nothing, so the full plan shows the change:
 * a file edited, added, removed or relinked, a spec edited, a secret's variable changed, the rows
 * written through the store or by hand in SQL, other options, other code, a broken record.
 * Real stores, a copy of config/ in a temp folder.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { applyPlan } from "../../src/engine/apply.ts";
import { type PlanFolderOptions, type PlannedFolder, planFolder } from "../../src/engine/plan-folder.ts";
import { reconcile } from "../../src/engine/reconcile.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { Store } from "../../src/store/store.ts";
import { REPO_ROOT } from "../support/cli.ts";
import {
  forEachStore,
  type OpenedStore,
  STORE_TEST_TIMEOUT_MS,
  type StoreBackend,
} from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const SECRET_VARIABLE = "SCOPECTL_TEST_PLAN_RECORD_SECRET";
const ENV_APPLICATION = `---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: env-worker
spec:
  type: m2m
  secret: { fromEnv: ${SECRET_VARIABLE} }
  apis:
    orders:
      scopes: [read:orders]
`;

interface Setup {
  opened: OpenedStore;
  store: Store;
  folder: string;
}

async function setUp(t: TestContext, backend: StoreBackend): Promise<Setup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-plan-record-"));
  const folder = path.join(dir, "config");
  await cp(path.join(REPO_ROOT, "config"), folder, { recursive: true });
  await writeFile(path.join(folder, "env-worker.yaml"), ENV_APPLICATION);
  process.env[SECRET_VARIABLE] = "a-long-and-random-secret-9f8e7d6c5b4a3f2e1d0c";
  const opened = await backend.open();
  t.after(async () => {
    delete process.env[SECRET_VARIABLE];
    await opened.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  return { opened, store: opened.store, folder };
}

const withRecord: PlanFolderOptions = { record: true };

/** A plan as `scopectl plan` makes it, and a full one for comparison. */
async function planBoth(store: Store, folder: string, options: PlanFolderOptions = {}) {
  const recorded = await planFolder(store, folder, { ...withRecord, ...options });
  const full = await planFolder(store, folder, options);
  return { recorded, full };
}

/** What a plan says, without when it was made. */
function said(plan: Plan): Omit<Plan, "createdAt"> {
  const { createdAt: _, ...rest } = plan;
  return rest;
}

function changesOf(planned: PlannedFolder): string[] {
  return planned.plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`);
}

/** A row another manager holds, so that plans have something to leave alone. */
async function putPulumiRole(store: Store): Promise<void> {
  const ctx = { actor: "pulumi", managedBy: "pulumi:dev" };
  await store.transaction(
    async (tx) => {
      await tx.put("Role", "pulumi-only", { displayName: "Pulumi only", description: "", scopes: {} }, ctx);
    },
    { ctx },
  );
}

/** Applies the folder as `scopectl apply --yes` does: the apply leaves a record. */
async function applyFolder(store: Store, folder: string): Promise<void> {
  const result = await reconcile(store, { folder, record: true }, { actor: "test" });
  assert.ok(result.outcome === "applied" || result.outcome === "unchanged", result.outcome);
}

forEachStore((backend) => {
  describe(`${backend.name} store: plan records`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test("after an apply the record answers, and says what a full plan says", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder, opened } = await setUp(t, backend);
      await putPulumiRole(store);
      await applyFolder(store, folder);

      const { recorded, full } = await planBoth(store, folder);
      assert.equal(recorded.fromRecord, true, "the apply's record answers");
      assert.equal(full.fromRecord, undefined);
      assert.deepEqual(full.plan.changes, [], "a full plan after the apply has nothing to do");
      assert.ok(full.plan.leftAlone.length > 0);
      assert.deepEqual(said(recorded.plan), said(full.plan));

      // Another process (another store on the location) gets the same answer.
      const other = await opened.reopen();
      assert.equal((await planFolder(other, folder, withRecord)).fromRecord, true);
    });

    test("a plan with nothing to do leaves a record when there was none", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder } = await setUp(t, backend);
      await applyPlan(store, (await planFolder(store, folder)).plan, {
        actor: "test",
        managedBy: RECONCILER,
      });
      const first = await planFolder(store, folder, withRecord);
      assert.equal(first.fromRecord, undefined, "no record yet: planned in full");
      assert.deepEqual(first.plan.changes, []);
      assert.equal((await planFolder(store, folder, withRecord)).fromRecord, true);
    });

    test("a hand edit landing just after the plan read the rows: the plan reads them again, and no record vouches for what it did not see", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder, opened } = await setUp(t, backend);
      await applyPlan(store, (await planFolder(store, folder)).plan, {
        actor: "test",
        managedBy: RECONCILER,
      });
      // The store as the plan sees it, but once, straight after the rows are listed, a hand edit lands
      // (it does not move the revision): after the plan's read of the rows, before its record.
      let edited = false;
      const racing = new Proxy(store, {
        get(target, name) {
          const value = Reflect.get(target, name, target) as unknown;
          if (typeof value !== "function") return value;
          if (name !== "listAll") return (value as (...a: unknown[]) => unknown).bind(target);
          return async (...args: unknown[]) => {
            const listed = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (!edited) {
              edited = true;
              await backend.sql(
                opened.location,
                `UPDATE resources SET props = replace(props, 'Alice Martin', 'Mallory') WHERE kind = 'User' AND id = 'alice'`,
              );
            }
            return listed;
          };
        },
      });
      const raced = await planFolder(racing, folder, withRecord);
      assert.ok(edited, "the edit landed");
      assert.deepEqual(changesOf(raced), ["update User alice"], "the rows were read again after the edit");
      const { recorded, full } = await planBoth(store, folder);
      assert.equal(recorded.fromRecord, undefined, "no record vouches for rows a plan never saw");
      assert.deepEqual(changesOf(full), ["update User alice"]);
    });

    const changes: Array<{
      what: string;
      change: (s: Setup) => Promise<void>;
      /** The full plan's changes afterwards. */
      expect: string[];
      /** Options of the plan after the change. */
      options?: PlanFolderOptions;
    }> = [
      {
        what: "a manifest edited",
        change: async ({ folder }) => {
          const users = path.join(folder, "users.yaml");
          await writeFile(users, (await readFile(users, "utf8")).replace("Alice Martin", "Alice M. Martin"));
        },
        expect: ["update User alice"],
      },
      {
        what: "a manifest added",
        change: async ({ folder }) => {
          await writeFile(
            path.join(folder, "more.yaml"),
            "apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: extra\nspec:\n  scopes: {}\n",
          );
        },
        expect: ["create Role extra"],
      },
      {
        what: "a manifest removed",
        change: async ({ folder }) => unlink(path.join(folder, "env-worker.yaml")),
        expect: ["delete Application env-worker"],
      },
      {
        what: "a manifest replaced by a link to a copy elsewhere in the folder (same bytes, other real path)",
        change: async ({ folder }) => {
          const env = path.join(folder, "env-worker.yaml");
          await writeFile(path.join(folder, "copy.yml.txt"), await readFile(env));
          await unlink(env);
          await symlink(path.join(folder, "copy.yml.txt"), env);
        },
        expect: [],
      },
      {
        what: "a spec edited",
        change: async ({ folder }) => {
          const spec = path.join(folder, "specs", "catalog.openapi.yaml");
          const text = await readFile(spec, "utf8");
          const edited = text.replace(
            /\n {2}\/products:\n/,
            "\n  /gift-cards:\n    get:\n      operationId: listGiftCards\n      responses:\n        '200':\n          description: ok\n  /products:\n",
          );
          assert.notEqual(edited, text, "the spec has a /products path to put one before");
          await writeFile(spec, edited);
        },
        // The new scope, granted to the applications that take every catalog scope.
        expect: [
          "update OpenApiSource catalog-spec",
          "create Scope catalog/get:gift_cards",
          "update Application storefront-backend",
          "update Application web-example",
        ],
      },
      {
        what: "the variable of a client secret changed",
        change: async () => {
          process.env[SECRET_VARIABLE] = "another-long-and-random-secret-0a1b2c3d4e5f6a7b";
        },
        expect: ["update Application env-worker"],
      },
      {
        what: "a row written through the store (an apply of someone else's)",
        change: async ({ store }) => {
          await store.transaction(
            async (tx) => {
              const alice = await tx.get("User", "alice");
              assert.ok(alice);
              await tx.put(
                "User",
                "alice",
                { ...alice.props, displayName: "Mallory" },
                {
                  actor: "someone",
                  managedBy: RECONCILER,
                },
              );
            },
            { ctx: { actor: "someone", managedBy: RECONCILER } },
          );
        },
        expect: ["update User alice"],
      },
      {
        what: "a row edited by hand in SQL (the revision does not move)",
        change: async ({ opened }) => {
          await backend.sql(
            opened.location,
            `UPDATE resources SET props = replace(props, 'Alice Martin', 'Mallory') WHERE kind = 'User' AND id = 'alice'`,
          );
        },
        expect: ["update User alice"],
      },
      {
        what: "a row deleted by hand in SQL",
        change: async ({ opened }) => {
          await backend.sql(
            opened.location,
            `DELETE FROM resources WHERE kind = 'Role' AND id = 'pulumi-only'`,
          );
        },
        expect: [],
      },
      ...(backend.name === "postgres"
        ? [
            {
              what: "a row edited by hand from a session whose search_path does not name the store's schema",
              change: async ({ opened }: Setup) => {
                await backend.sql(
                  opened.location,
                  `DO $$ DECLARE store text := current_schema(); BEGIN
                     PERFORM set_config('search_path', 'pg_catalog', true);
                     EXECUTE format('UPDATE %I.resources SET props = replace(props, ''Alice Martin'', ''Mallory'') WHERE kind = ''User'' AND id = ''alice''', store);
                   END $$`,
                );
              },
              expect: ["update User alice"],
            },
          ]
        : []),
      {
        what: "the import history edited by hand in SQL",
        change: async ({ opened }) => {
          await backend.sql(opened.location, "DELETE FROM imports");
        },
        expect: [],
      },
      {
        what: "another option (--take-over)",
        change: async () => {},
        options: { takeOver: true },
        expect: [],
      },
      {
        what: "files named from another folder",
        change: async () => {},
        options: { displayBase: os.tmpdir() },
        expect: [],
      },
      {
        what: "a record written by other code",
        change: async ({ store }) => {
          const record = JSON.parse((await store.planRecord(RECONCILER)) ?? "{}") as { code: string };
          await store.savePlanRecord(RECONCILER, JSON.stringify({ ...record, code: "0.0.0+other" }));
        },
        expect: [],
      },
      {
        what: "a record that is not JSON",
        change: async ({ store }) => store.savePlanRecord(RECONCILER, "{not json"),
        expect: [],
      },
    ];

    for (const { what, change, expect, options } of changes) {
      test(`${what}: the record does not answer, the full plan shows it`, {
        timeout: STORE_TEST_TIMEOUT_MS,
      }, async (t) => {
        const setup = await setUp(t, backend);
        const { store, folder } = setup;
        await putPulumiRole(store);
        await applyFolder(store, folder);
        assert.equal((await planFolder(store, folder, withRecord)).fromRecord, true, "answered before");

        await change(setup);
        const { recorded, full } = await planBoth(store, folder, options ?? {});
        assert.equal(recorded.fromRecord, undefined, "the record must not answer");
        assert.deepEqual(changesOf(full), expect);
        assert.deepEqual(said(recorded.plan), said(full.plan));
      });
    }

    test("a spec replaced by a FIFO at its path: the check does not hang on it, and the full plan refuses it", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder } = await setUp(t, backend);
      await putPulumiRole(store);
      await applyFolder(store, folder);
      assert.equal((await planFolder(store, folder, withRecord)).fromRecord, true, "answered before");
      const spec = path.join(folder, "specs", "catalog.openapi.yaml");
      await unlink(spec);
      execFileSync("mkfifo", [spec]);
      await assert.rejects(planFolder(store, folder, withRecord), /catalog\.openapi\.yaml/);
    });

    test("a spec whose $refs read other files is never recorded", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder } = await setUp(t, backend);
      await writeFile(path.join(folder, "specs", "shared.yaml"), "Ok:\n  description: ok\n");
      await writeFile(
        path.join(folder, "specs", "with-ref.openapi.yaml"),
        [
          "openapi: 3.0.3",
          "info: { title: refs, version: '1' }",
          "paths:",
          "  /things:",
          "    get:",
          "      operationId: listThings",
          "      responses:",
          "        '200':",
          "          $ref: './shared.yaml#/Ok'",
          "",
        ].join("\n"),
      );
      await writeFile(
        path.join(folder, "refs.yaml"),
        [
          "apiVersion: scopectl/v1",
          "kind: Api",
          "metadata:",
          "  name: things",
          "spec:",
          "  audience: https://things.example.com",
          "---",
          "apiVersion: scopectl/v1",
          "kind: OpenApiSource",
          "metadata:",
          "  name: things-spec",
          "spec:",
          "  api: things",
          "  file: specs/with-ref.openapi.yaml",
          "",
        ].join("\n"),
      );
      await applyFolder(store, folder);
      assert.equal(await store.planRecord(RECONCILER), undefined, "no record of a load it cannot vouch for");
      const again = await planFolder(store, folder, withRecord);
      assert.equal(again.fromRecord, undefined);
      assert.deepEqual(again.plan.changes, []);
    });

    test("a store that refuses the record's write does not fail the plan", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async (t) => {
      const { store, folder } = await setUp(t, backend);
      await applyPlan(store, (await planFolder(store, folder)).plan, {
        actor: "test",
        managedBy: RECONCILER,
      });
      const refusing = new Proxy(store, {
        get(target, name) {
          if (name === "savePlanRecord") return () => Promise.reject(new Error("read-only store"));
          const value = Reflect.get(target, name);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const planned = await planFolder(refusing, folder, withRecord);
      assert.deepEqual(planned.plan.changes, []);
      assert.equal(await store.planRecord(RECONCILER), undefined);
    });
  });
});
