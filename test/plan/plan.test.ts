/** makePlan: creates, updates, replaces and deletes; ownership; order; renames and owner moves. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import { RECONCILER, RESOURCE_KINDS, type StoredResource } from "../../src/model/resources.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { Files } from "../manifest/helpers.ts";
import {
  APPS,
  actions,
  applyRows,
  catalogFiles,
  ENV,
  edit,
  KEYS,
  loadResources,
  ORDERS_API,
  plan,
  ROLES,
  spec,
  stored,
  TENANT,
  USERS,
  yaml,
} from "./helpers.ts";

/** The store after applying `files` to an empty store. */
async function storeOf(t: TestContext, files: Files): Promise<StoredResource[]> {
  const { state, desired } = await loadResources(t, files);
  return (await applyRows(plan(desired, [], { desiredState: state }), [])).rows;
}

/** The plan of `next` against the store made from `first`. */
async function planChange(
  t: TestContext,
  first: Files,
  next: Files,
  env: NodeJS.ProcessEnv = ENV,
): Promise<{ p: Plan; current: StoredResource[] }> {
  const current = await storeOf(t, first);
  const { state, desired } = await loadResources(t, next, env);
  return { p: plan(desired, current, { desiredState: state }), current };
}

const change = (p: Plan, kind: string, id: string) => {
  const found = p.changes.find((c) => c.kind === kind && c.id === id);
  assert.ok(found, `no change of ${kind} ${id} in: ${actions(p).join(", ")}`);
  return found;
};

describe("makePlan", () => {
  test("first plan from an empty store: everything is created, parents first", async (t) => {
    const files = { ...TENANT, ...catalogFiles(spec("GET /products")) };
    const { state, desired } = await loadResources(t, files);
    const p = plan(desired, [], { desiredState: state });
    assert.equal(p.changes.length, desired.length);
    assert.ok(p.changes.every((c) => c.action === "create"));
    const kinds = p.changes.map((c) => RESOURCE_KINDS.indexOf(c.kind));
    assert.deepEqual(
      kinds,
      [...kinds].sort((a, b) => a - b),
      "kinds in RESOURCE_KINDS order",
    );
    assert.deepEqual(
      p.changes.filter((c) => c.kind === "Scope").map((c) => c.id),
      ["catalog/get:products", "orders/read:orders", "orders/write:orders"],
    );
    assert.deepEqual(p.summary, { create: desired.length, update: 0, replace: 0, delete: 0 });
    assert.deepEqual(
      {
        formatVersion: p.formatVersion,
        revision: p.revision,
        managedBy: p.managedBy,
        createdAt: p.createdAt,
      },
      { formatVersion: 1, revision: 1, managedBy: RECONCILER, createdAt: "2026-01-02T03:04:05.000Z" },
    );
    assert.deepEqual(p.conflicts, []);
    assert.deepEqual(p.leftAlone, []);
    // A plan is saved to a file and read back: it must survive JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  test("a re-plan after applying is empty, with generated secrets and key material in the store", async (t) => {
    const files = { ...TENANT, ...catalogFiles(spec("GET /products", "POST /products"), ["get:health"]) };
    const { state, desired } = await loadResources(t, files);
    const { rows, secrets } = await applyRows(plan(desired, [], { desiredState: state }), []);
    assert.deepEqual(secrets.map((s) => `${s.kind} ${s.id}`).sort(), [
      "ApiKey scanner",
      "Application backend",
    ]);
    const again = await loadResources(t, files);
    const p = plan(again.desired, rows, { desiredState: again.state });
    assert.deepEqual(actions(p), []);
    assert.deepEqual(p.summary, { create: 0, update: 0, replace: 0, delete: 0 });
  });

  test("the commit is recorded when given", () => {
    const commit = { sha: "a".repeat(40), author: "Ann", subject: "Add scopes", dirty: false };
    assert.deepEqual(plan([], [], { commit }).commit, commit);
    assert.equal("commit" in plan([], []), false);
  });

  test("updates of each kind, in place, with field diffs", async (t) => {
    const next = {
      "settings.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Settings",
        "metadata: { name: default }",
        "spec:",
        "  issuer: https://auth.example.com",
      ),
      "api.yaml": edit(
        edit(ORDERS_API, "Orders API", "Orders"),
        "description: Read orders",
        "description: Read all orders",
      ),
      "roles.yaml": edit(
        ROLES,
        "scopes: { orders: [read:orders] }",
        "scopes: { orders: [read:orders, write:orders] }",
      ),
      "users.yaml": edit(USERS, "bob@example.com", "robert@example.com"),
      "apps.yaml": edit(
        APPS,
        "    orders: { scopes: [write:orders, read:orders] }",
        "    orders: { scopes: [read:orders] }",
      ),
      "keys.yaml": KEYS,
    };
    const { p } = await planChange(t, TENANT, next);
    assert.deepEqual(actions(p), [
      "update Settings default",
      "update Api orders",
      "update Scope orders/read:orders",
      "update Role support",
      "update User bob",
      "update Application exporter",
    ]);
    assert.deepEqual(change(p, "Settings", "default").diff, [
      { path: "issuer", before: "http://localhost:8080", after: "https://auth.example.com" },
      // The management audience defaults to the issuer's `/v1`.
      {
        path: "managementAudience",
        before: "http://localhost:8080/v1",
        after: "https://auth.example.com/v1",
      },
    ]);
    assert.deepEqual(change(p, "Api", "orders").diff, [
      { path: "displayName", before: "Orders API", after: "Orders" },
    ]);
    assert.deepEqual(change(p, "Scope", "orders/read:orders").diff, [
      { path: "description", before: "Read orders", after: "Read all orders" },
    ]);
    assert.deepEqual(change(p, "Role", "support").diff, [{ path: "scopes.orders", added: ["write:orders"] }]);
    assert.deepEqual(change(p, "User", "bob").diff, [
      { path: "email", before: "bob@example.com", after: "robert@example.com" },
    ]);
    assert.deepEqual(change(p, "Application", "exporter").diff, [
      { path: "apis.orders.scopes", removed: ["write:orders"] },
    ]);
    const exporter = change(p, "Application", "exporter");
    assert.ok(exporter.before && exporter.after, "updates carry the row and the props to write");
    assert.deepEqual(p.summary, { create: 0, update: 6, replace: 0, delete: 0 });
  });

  test("a changed env secret value is an update whose diff says 'changed'", async (t) => {
    const { p } = await planChange(t, TENANT, TENANT, {
      EXPORTER_SECRET: "rotated-Jd8sL2qW6eR0tY4uI9oP3aZx",
    });
    assert.deepEqual(actions(p), ["update Application exporter"]);
    assert.deepEqual(change(p, "Application", "exporter").diff, [
      {
        path: "secret",
        before: "(sensitive) from env EXPORTER_SECRET",
        after: "(sensitive) from env EXPORTER_SECRET",
        sensitive: true,
        note: "changed",
      },
    ]);
  });

  test("immutable fields make a replace: Api audience, Application clientId and type, ApiKey scopes", async (t) => {
    const next = {
      ...TENANT,
      "api.yaml": edit(ORDERS_API, "https://api.example.com/orders", "https://orders.example.com"),
      "apps.yaml": edit(APPS, "clientId: exporter-client", "clientId: exporter-2"),
      "keys.yaml": edit(KEYS, "scopes: [write:orders, read:orders]", "scopes: [read:orders]"),
    };
    const { p, current } = await planChange(t, TENANT, next);
    assert.deepEqual(actions(p), [
      "replace Api orders",
      "replace Application exporter",
      "replace ApiKey scanner",
    ]);
    const key = change(p, "ApiKey", "scanner");
    assert.match(key.note ?? "", /immutable: a new key is generated/);
    assert.deepEqual(key.diff, [{ path: "scopes", removed: ["write:orders"], forcesReplacement: true }]);
    assert.deepEqual(change(p, "Api", "orders").diff[0]?.forcesReplacement, true);
    assert.equal(change(p, "Application", "exporter").replacesId, undefined, "same id: no replacesId");
    // The engine's way (delete, then create) works on the store the plan was made against.
    const { rows, secrets } = await applyRows(p, current);
    assert.deepEqual(
      secrets.map((s) => `${s.kind} ${s.id}`),
      ["ApiKey scanner"],
    );
    const again = await loadResources(t, next);
    assert.deepEqual(actions(plan(again.desired, rows)), []);
  });

  test("switching a secret to generated re-creates the application, so that create makes the secret", async (t) => {
    const next = { ...TENANT, "apps.yaml": edit(APPS, "  secret: { fromEnv: EXPORTER_SECRET }\n", "") };
    const { p } = await planChange(t, TENANT, next);
    const exporter = change(p, "Application", "exporter");
    assert.equal(exporter.action, "replace");
    assert.match(exporter.note ?? "", /a new client secret is generated/);
    assert.deepEqual(exporter.diff.find((d) => d.path === "secret")?.forcesReplacement, true);
  });

  test("deletes of each kind run children first, after the creates and updates", async (t) => {
    const next = {
      "api.yaml": ORDERS_API,
      "roles.yaml": ROLES.split("---")[0] ?? "",
      // One new resource, to see where the creates go.
      "keys.yaml": edit(KEYS, "name: scanner", "name: printer").replace("  owner: alice\n", ""),
    };
    const { p } = await planChange(t, { ...TENANT, ...catalogFiles(spec("GET /products")) }, next);
    assert.deepEqual(actions(p), [
      "create ApiKey printer",
      "delete ApiKey scanner",
      "delete Application backend",
      "delete Application exporter",
      "delete Application web",
      "delete User alice",
      "delete User bob",
      "delete Role admin",
      "delete Scope catalog/get:products",
      "delete OpenApiSource catalog-spec",
      "delete Api catalog",
    ]);
    assert.deepEqual(p.summary, { create: 1, update: 0, replace: 0, delete: 10 });
    const role = change(p, "Role", "admin");
    assert.equal(role.after, undefined);
    assert.deepEqual(role.before, {
      displayName: "admin",
      description: "",
      scopes: { orders: ["read:orders", "write:orders"] },
    });
  });

  test("only rows we manage are pruned; others' rows are left alone and listed", () => {
    const ours = stored([
      { kind: "Role", id: "old", props: { displayName: "Old", description: "", scopes: {} } },
    ]);
    const theirs = stored(
      [
        { kind: "Role", id: "ops", props: { displayName: "Ops", description: "", scopes: {} } },
        { kind: "Api", id: "billing", props: { audience: "https://billing", displayName: "Billing" } },
      ],
      "pulumi:prod",
    );
    const p = plan([], [...theirs, ...ours]);
    assert.deepEqual(actions(p), ["delete Role old"]);
    assert.deepEqual(p.leftAlone, [
      { kind: "Api", id: "billing", managedBy: "pulumi:prod" },
      { kind: "Role", id: "ops", managedBy: "pulumi:prod" },
    ]);
    assert.deepEqual(p.conflicts, []);
  });

  test("a declared resource whose row someone else manages is a conflict, not a change", () => {
    const desired = [
      { kind: "Role" as const, id: "ops", props: { displayName: "Ops!", description: "", scopes: {} } },
    ];
    const current = stored(
      [{ kind: "Role", id: "ops", props: { displayName: "Ops", description: "", scopes: {} } }],
      "pulumi:prod",
    );
    const p = plan(desired, current);
    assert.deepEqual(p.changes, []);
    assert.equal(p.conflicts.length, 1);
    const [conflict] = p.conflicts;
    assert.deepEqual(
      { ...conflict, message: undefined },
      { kind: "Role", id: "ops", managedBy: "pulumi:prod", message: undefined },
    );
    assert.match(conflict?.message ?? "", /managed by "pulumi:prod"/);
    assert.match(conflict?.message ?? "", /--take-over/);
    assert.deepEqual(p.leftAlone, []);
  });

  test("a scope rename is one replace: new id, the old one in replacesId, its holders as impact", async (t) => {
    const rename = (text: string) => text.replaceAll("write:orders", "modify:orders");
    const next = {
      "api.yaml": rename(ORDERS_API),
      "roles.yaml": rename(ROLES),
      "users.yaml": rename(USERS),
      "apps.yaml": rename(APPS),
      "keys.yaml": rename(KEYS),
    };
    const { p, current } = await planChange(t, TENANT, next);
    const scopeChanges = p.changes.filter((c) => c.kind === "Scope");
    assert.equal(scopeChanges.length, 1, actions(p).join(", "));
    const renamed = scopeChanges[0];
    assert.ok(renamed);
    assert.equal(renamed?.action, "replace");
    assert.equal(renamed?.id, "orders/modify:orders");
    assert.equal(renamed?.replacesId, "orders/write:orders");
    assert.equal(renamed?.note, "renamed from orders/write:orders");
    assert.equal((renamed.before as { name: string }).name, "write:orders");
    assert.equal((renamed.after as { name: string }).name, "modify:orders");
    assert.deepEqual(renamed?.diff, [
      { path: "name", before: "write:orders", after: "modify:orders", forcesReplacement: true },
    ]);
    assert.deepEqual(renamed?.impact, {
      scopes: ["orders/write:orders"],
      roles: ["admin"],
      users: ["alice", "bob"],
      applications: ["backend", "exporter"],
      apiKeys: ["scanner"],
    });
    assert.deepEqual(p.summary.delete, 0);
    // Applied the engine's way (delete the old id, create the new), the store then matches.
    const { rows } = await applyRows(p, current);
    const again = await loadResources(t, next);
    assert.deepEqual(actions(plan(again.desired, rows)), []);
  });

  test("a removed and an added scope with different descriptions are not a rename", async (t) => {
    const next = {
      "api.yaml": edit(
        ORDERS_API,
        "{ name: write:orders, description: Create and update orders }",
        "{ name: ship:orders, description: Ship orders }",
      ),
    };
    const { p } = await planChange(t, { "api.yaml": ORDERS_API }, next);
    assert.deepEqual(actions(p), ["create Scope orders/ship:orders", "delete Scope orders/write:orders"]);
  });

  test("two removed scopes with the same description are ambiguous: no rename", async (t) => {
    const first = {
      "api.yaml": edit(ORDERS_API, "description: Read orders", "description: Create and update orders"),
    };
    const next = {
      "api.yaml": edit(
        ORDERS_API,
        "    - { name: read:orders, description: Read orders }\n    - { name: write:orders, description: Create and update orders }",
        "    - { name: edit:orders, description: Create and update orders }",
      ),
    };
    const { p } = await planChange(t, first, next);
    assert.deepEqual(actions(p), [
      "create Scope orders/edit:orders",
      "delete Scope orders/read:orders",
      "delete Scope orders/write:orders",
    ]);
  });

  test("a scope moving from the Api list to the OpenApiSource is an update of its owner, keeping its grants", async (t) => {
    const grant = yaml(
      "apiVersion: scopectl/v1",
      "kind: Role",
      "metadata: { name: viewer }",
      "spec:",
      "  scopes: { catalog: [get:products] }",
    );
    const manual = {
      ...catalogFiles(spec("GET /products", "GET /health"), ["get:products"]),
      "role.yaml": grant,
    };
    const generated = { ...catalogFiles(spec("GET /products", "GET /health")), "role.yaml": grant };

    const there = await planChange(t, manual, generated);
    assert.deepEqual(actions(there.p), ["update Scope catalog/get:products"]);
    const moved = change(there.p, "Scope", "catalog/get:products");
    assert.equal(moved.note, "owner: Api list → OpenApiSource catalog-spec");
    assert.deepEqual(moved.diff, [
      { path: "description", before: "get:products", after: "GET /products" },
      { path: "origin", before: "manual", after: "openapi" },
      { path: "source", after: "catalog-spec" },
    ]);
    assert.equal(moved.impact, undefined, "nobody loses the scope");

    const back = await planChange(t, generated, manual);
    assert.deepEqual(actions(back.p), ["update Scope catalog/get:products"]);
    assert.equal(
      change(back.p, "Scope", "catalog/get:products").note,
      "owner: OpenApiSource catalog-spec → Api list",
    );
  });

  test("the same input gives the same plan", async (t) => {
    const files = { ...TENANT, ...catalogFiles(spec("GET /products")) };
    const { state, desired } = await loadResources(t, files);
    const current = stored(
      desired.filter((r) => r.kind !== "Role"),
      RECONCILER,
    );
    assert.deepEqual(
      plan([...desired].reverse(), [...current].reverse(), { desiredState: state }),
      plan(desired, current, { desiredState: state }),
    );
  });

  test("a resource declared twice is a bug, not a plan", () => {
    const role = { kind: "Role" as const, id: "a", props: { displayName: "A", description: "", scopes: {} } };
    assert.throws(() => plan([role, role], []), /declared twice/);
  });
});
