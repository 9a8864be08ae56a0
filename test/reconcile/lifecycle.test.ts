/**
 * Each kind's life cycle through the real CLI and a real SQLite file, from commits in a real git
 * repository: create, update, replace, delete; scope renames; OpenAPI imports; owner moves; pruning.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../support/cli.ts";
import { type GitTenant, gitTenant } from "../support/git-tenant.ts";

interface JsonPlan {
  changes: {
    action: string;
    kind: string;
    id: string;
    note?: string;
    replacesId?: string;
    impact?: { users: string[]; roles: string[] } | null;
  }[];
  leftAlone: { kind: string; id: string; managedBy: string }[];
  conflicts: { kind: string; id: string; message: string }[];
}

function cli(tenant: GitTenant, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli([...args, "--store", tenant.store], { cwd: tenant.repo, env });
}

function planJson(tenant: GitTenant, env: NodeJS.ProcessEnv = {}): JsonPlan {
  const result = cli(tenant, ["plan", "config", "--json"], env);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as JsonPlan;
}

function apply(tenant: GitTenant, env: NodeJS.ProcessEnv = {}) {
  const result = cli(tenant, ["apply", "config", "--yes"], env);
  assert.equal(result.status, 0, `${result.stderr}\n${result.stdout}`);
  return result;
}

const actions = (plan: JsonPlan) => plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`).sort();

async function withStore<T>(tenant: GitTenant, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(tenant.store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function edit(tenant: GitTenant, rel: string, from: string, to: string): Promise<void> {
  const text = await readFile(path.join(tenant.config, rel), "utf8");
  assert.ok(text.includes(from), `${rel} does not contain ${from}`);
  await tenant.write(rel, text.replace(from, to));
}

const SHOP_API = `apiVersion: scopectl/v1
kind: Api
metadata:
  name: shop
spec:
  audience: https://shop.example.com
  scopes:
    - name: get:health
      description: Health, listed by hand
---
apiVersion: scopectl/v1
kind: OpenApiSource
metadata:
  name: shop-spec
spec:
  api: shop
  file: shop.yaml
`;

const spec = (paths: string[]) =>
  `openapi: 3.0.3\ninfo: { title: Shop, version: "1" }\npaths:\n${paths
    .map(
      (p) => `  ${p}:\n    get:\n      summary: Get ${p}\n      responses: { "200": { description: OK } }\n`,
    )
    .join("")}`;

const SHOP_ROLE = `apiVersion: scopectl/v1
kind: Role
metadata:
  name: shopper
spec:
  scopes:
    shop: [get:items]
---
apiVersion: scopectl/v1
kind: User
metadata:
  name: sam
spec:
  email: sam@example.com
  roles: [shopper]
`;

describe("resource life cycles", () => {
  test("every kind is created, updated and deleted; API keys are replaced, never edited", async (t) => {
    const tenant = await gitTenant(t);
    apply(tenant);

    // Updates of every kind, and creates of every kind.
    await edit(
      tenant,
      "settings.yaml",
      "accessTokenLifetimeSeconds: 3600",
      "accessTokenLifetimeSeconds: 1800",
    );
    await edit(tenant, "apis.yaml", "displayName: Orders API", "displayName: Orders");
    await edit(tenant, "roles.yaml", "Read-only access for the quarterly audit", "Read-only access");
    await edit(tenant, "users.yaml", "name: Bob Chen", "name: Robert Chen");
    await edit(tenant, "applications.yaml", "lifetimeSeconds: 900", "lifetimeSeconds: 600");
    await edit(tenant, "apikeys.yaml", "    - get:products_productid_inventory\n", "");
    await tenant.write(
      "billing.yaml",
      `apiVersion: scopectl/v1
kind: Api
metadata:
  name: billing
spec:
  audience: https://api.example.com/billing
  scopes:
    - name: read:bills
      description: Read bills
---
apiVersion: scopectl/v1
kind: Role
metadata:
  name: accountant
spec:
  scopes:
    billing: [read:bills]
---
apiVersion: scopectl/v1
kind: User
metadata:
  name: dora
spec:
  email: dora@example.com
  roles: [accountant]
---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: billing-sync
spec:
  type: m2m
  secret: { fromEnv: BILLING_SYNC_SECRET }
  apis:
    billing: { scopes: [read:bills] }
---
apiVersion: scopectl/v1
kind: ApiKey
metadata:
  name: bills-reader
spec:
  api: billing
  scopes: [read:bills]
`,
    );
    tenant.commit("edit every kind, add billing");
    const env = { BILLING_SYNC_SECRET: "s3cret-from-the-vault-0123456789" };
    const plan = planJson(tenant, env);
    assert.deepEqual(actions(plan), [
      "create Api billing",
      "create ApiKey bills-reader",
      "create Application billing-sync",
      "create Role accountant",
      "create Scope billing/read:bills",
      "create User dora",
      "replace ApiKey warehouse-scanner",
      "update Api orders",
      // Its token lifetime follows the Settings default, which changed.
      "update Application catalog-api",
      // As do these.
      "update Application console",
      "update Application ops-dashboard",
      "update Application order-exporter",
      // So does this one's.
      "update Application storefront-backend",
      // And the example web app's.
      "update Application web-example",
      "update Role auditor",
      "update Settings default",
      "update User bob",
    ]);
    assert.ok(!JSON.stringify(plan).includes(env.BILLING_SYNC_SECRET), "the env secret leaked into the plan");
    const applied = apply(tenant, env);
    assert.match(applied.stdout, /ApiKey warehouse-scanner apiKey: sck_/);
    assert.ok(!applied.stdout.includes(env.BILLING_SYNC_SECRET));
    await withStore(tenant, async (store) => {
      assert.equal((await store.get("Settings", "default"))?.props.accessTokenLifetimeSeconds, 1800);
      assert.equal((await store.get("Api", "orders"))?.props.displayName, "Orders");
      assert.equal((await store.get("User", "bob"))?.props.displayName, "Robert Chen");
      assert.equal((await store.get("Application", "order-exporter"))?.props.tokens.lifetimeSeconds, 600);
      assert.deepEqual((await store.get("ApiKey", "warehouse-scanner"))?.props.scopes, [
        "put:warehouses_warehouseid_bins_binid_inventory_adjustm_5f5240cf",
      ]);
      const secret = (await store.get("Application", "billing-sync"))?.props.secret;
      assert.equal(secret?.kind, "env");
      assert.ok(!JSON.stringify(secret).includes(env.BILLING_SYNC_SECRET));
    });
    // A re-plan with the same input is empty.
    assert.deepEqual(planJson(tenant, env).changes, []);

    // Deletes of every kind.
    await tenant.remove("billing.yaml");
    await edit(
      tenant,
      "users.yaml",
      "  roles: [support-agent]\n  disabled: true\n",
      "  roles: []\n  disabled: true\n",
    );
    tenant.commit("remove billing");
    const deletes = planJson(tenant);
    assert.deepEqual(actions(deletes), [
      "delete Api billing",
      "delete ApiKey bills-reader",
      "delete Application billing-sync",
      "delete Role accountant",
      "delete Scope billing/read:bills",
      "delete User dora",
      "update User carol",
    ]);
    // Children go first.
    const order = deletes.changes.filter((c) => c.action === "delete").map((c) => c.kind);
    assert.ok(order.indexOf("Scope") < order.indexOf("Api"));
    assert.ok(order.indexOf("User") < order.indexOf("Role"));
    apply(tenant);
    await withStore(tenant, async (store) => {
      assert.equal(await store.get("Api", "billing"), undefined);
      assert.equal(await store.get("Scope", "billing/read:bills"), undefined);
      assert.equal(await store.get("ApiKey", "bills-reader"), undefined);
      assert.equal((await store.list("User")).length, 3);
    });
  });

  test("a renamed scope is one replace that keeps its place in the roles that grant it", async (t) => {
    const tenant = await gitTenant(t);
    apply(tenant);
    await edit(tenant, "apis.yaml", "name: cancel:orders", "name: void:orders");
    await edit(tenant, "roles.yaml", "- cancel:orders", "- void:orders");
    tenant.commit("rename cancel:orders");
    const plan = planJson(tenant);
    const rename = plan.changes.find((c) => c.kind === "Scope");
    assert.equal(rename?.action, "replace");
    assert.equal(rename?.id, "orders/void:orders");
    assert.equal(rename?.replacesId, "orders/cancel:orders");
    assert.match(rename?.note ?? "", /renamed from/);
    assert.deepEqual(rename?.impact?.roles, ["support-agent"]);
    apply(tenant);
    await withStore(tenant, async (store) => {
      assert.equal(await store.get("Scope", "orders/cancel:orders"), undefined);
      assert.equal(
        (await store.get("Scope", "orders/void:orders"))?.props.description,
        "Cancel an order before it ships",
      );
      assert.ok((await store.get("Role", "support-agent"))?.props.scopes.orders?.includes("void:orders"));
    });
  });
});

describe("OpenAPI imports through the reconciler", () => {
  test("first import, replacement (created, duplicate, removed; manual scopes untouched), owner move and deletion", async (t) => {
    const tenant = await gitTenant(t);
    await tenant.remove(".");
    await tenant.write("shop.yaml", spec(["/health", "/items", "/orders"]));
    await tenant.write("api.yaml", SHOP_API);
    await tenant.write("people.yaml", SHOP_ROLE);
    tenant.commit("shop");
    apply(tenant);
    await withStore(tenant, async (store) => {
      const [first] = await store.imports("shop-spec");
      assert.equal(first?.action, "upload");
      assert.deepEqual(
        first?.log.map((e) => `${e.action} ${e.scope}`),
        ["duplicate get:health", "created get:items", "created get:orders"],
      );
      assert.equal((await store.get("Scope", "shop/get:health"))?.props.origin, "manual");
      assert.equal((await store.get("Scope", "shop/get:items"))?.props.origin, "openapi");
    });

    // Replacement: /orders goes, /carts comes, /items stays.
    await tenant.write("shop.yaml", spec(["/health", "/items", "/carts"]));
    tenant.commit("new spec");
    const plan = planJson(tenant);
    assert.deepEqual(actions(plan), [
      "create Scope shop/get:carts",
      "delete Scope shop/get:orders",
      "update OpenApiSource shop-spec",
    ]);
    apply(tenant);
    await withStore(tenant, async (store) => {
      const [latest] = await store.imports("shop-spec");
      assert.equal(latest?.action, "replace");
      assert.deepEqual(latest?.log.map((e) => `${e.action} ${e.scope}`).sort(), [
        "created get:carts",
        "duplicate get:health",
        "duplicate get:items",
        "removed get:orders",
      ]);
      assert.equal((await store.get("Scope", "shop/get:health"))?.props.origin, "manual");
    });

    // Owner move: get:items is now listed by hand too; it stays, with its grant.
    await edit(
      tenant,
      "api.yaml",
      "      description: Health, listed by hand\n",
      "      description: Health, listed by hand\n    - name: get:items\n      description: Items, by hand\n",
    );
    tenant.commit("list get:items by hand");
    const move = planJson(tenant);
    const scopeChange = move.changes.find((c) => c.id === "shop/get:items");
    assert.equal(scopeChange?.action, "update");
    assert.match(scopeChange?.note ?? "", /owner/);
    apply(tenant);
    await withStore(tenant, async (store) => {
      assert.equal((await store.get("Scope", "shop/get:items"))?.props.origin, "manual");
      assert.deepEqual((await store.get("Role", "shopper"))?.props.scopes, { shop: ["get:items"] });
    });

    // Deleting the import removes only what it generated.
    await edit(tenant, "api.yaml", SHOP_API.slice(SHOP_API.indexOf("---")), "");
    await tenant.remove("shop.yaml");
    tenant.commit("drop the spec");
    assert.deepEqual(actions(planJson(tenant)), [
      "delete OpenApiSource shop-spec",
      "delete Scope shop/get:carts",
    ]);
    apply(tenant);
    await withStore(tenant, async (store) => {
      const [deletion] = await store.imports("shop-spec");
      assert.equal(deletion?.action, "delete");
      assert.deepEqual(
        deletion?.log.map((e) => `${e.action} ${e.scope}`),
        ["removed get:carts"],
      );
      assert.deepEqual((await store.list("Scope")).map((s) => s.id).sort(), [
        "shop/get:health",
        "shop/get:items",
      ]);
    });
    const history = cli(tenant, ["history"]);
    assert.equal(history.status, 0, history.stderr);
    assert.match(history.stdout, /#3 .* delete\s+shop-spec → shop/);
  });
});

describe("ownership", () => {
  test("only rows this reconciler manages are pruned; others are left alone, and declaring one is a conflict", async (t) => {
    const tenant = await gitTenant(t);
    apply(tenant);
    const foreign = { actor: "pulumi", managedBy: "pulumi:dev" };
    await withStore(tenant, (store) =>
      store.transaction(
        async (tx) => {
          await tx.put("Role", "from-pulumi", { displayName: "P", description: "", scopes: {} }, foreign);
        },
        { ctx: foreign },
      ),
    );
    await edit(
      tenant,
      "roles.yaml",
      "---\napiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: auditor",
      "---\napiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: auditor-old",
    );
    await edit(
      tenant,
      "users.yaml",
      "roles: [auditor, api-publisher]",
      "roles: [auditor-old, api-publisher]",
    );
    tenant.commit("rename the auditor role");
    const plan = planJson(tenant);
    assert.ok(plan.changes.some((c) => c.action === "delete" && c.id === "auditor"));
    assert.deepEqual(plan.leftAlone, [{ kind: "Role", id: "from-pulumi", managedBy: "pulumi:dev" }]);
    const text = cli(tenant, ["plan", "config"]);
    assert.match(text.stdout, /from-pulumi/);
    apply(tenant);
    await withStore(tenant, async (store) => {
      assert.equal((await store.get("Role", "from-pulumi"))?.managedBy, "pulumi:dev");
      assert.equal(await store.get("Role", "auditor"), undefined);
    });

    await tenant.write(
      "foreign.yaml",
      "apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: from-pulumi\nspec: {}\n",
    );
    tenant.commit("declare the pulumi role");
    // A plan with conflicts is an error (exit 1) that still prints the whole plan.
    const conflictedRun = cli(tenant, ["plan", "config", "--json"]);
    assert.equal(conflictedRun.status, 1);
    const conflicted = JSON.parse(conflictedRun.stdout) as JsonPlan;
    assert.equal(conflicted.conflicts.length, 1);
    assert.match(conflicted.conflicts[0]?.message ?? "", /managed by "pulumi:dev"/);
    const refused = cli(tenant, ["apply", "config", "--yes"]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /conflict/);
    await withStore(tenant, async (store) => assert.equal(await store.revision(), 3));

    // --take-over makes the row ours, as an update that changes its manager.
    const taken = cli(tenant, ["apply", "config", "--yes", "--take-over"]);
    assert.equal(taken.status, 0, `${taken.stderr}${taken.stdout}`);
    assert.match(taken.stdout, /taken over from "pulumi:dev"/);
    await withStore(tenant, async (store) => {
      assert.equal((await store.get("Role", "from-pulumi"))?.managedBy, "scopectl");
      assert.equal(await store.revision(), 4);
    });
  });
});
