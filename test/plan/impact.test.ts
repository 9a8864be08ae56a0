/** Impact: who holds, today, the scopes a plan deletes or stops granting. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import type { Resource, StoredResource } from "../../src/model/resources.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { Files } from "../manifest/helpers.ts";
import {
  APPS,
  actions,
  applyRows,
  edit,
  KEYS,
  loadResources,
  ORDERS_API,
  plan,
  ROLES,
  stored,
  TENANT,
  USERS,
} from "./helpers.ts";

async function planFrom(t: TestContext, first: Files, next: Files): Promise<Plan> {
  const one = await loadResources(t, first);
  const { rows } = await applyRows(plan(one.desired, []), []);
  const two = await loadResources(t, next);
  return plan(two.desired, rows);
}

const impactOf = (p: Plan, kind: string, id: string) =>
  p.changes.find((c) => c.kind === kind && c.id === id)?.impact;

const none = { roles: [], users: [], applications: [], apiKeys: [] };

describe("impact", () => {
  test("a deleted scope lists every holder today; each narrowed grant lists who held it through that grant", async (t) => {
    const next = {
      "api.yaml": edit(
        ORDERS_API,
        "    - { name: write:orders, description: Create and update orders }\n",
        "",
      ),
      "roles.yaml": edit(ROLES, "[write:orders, read:orders]", "[read:orders]"),
      "users.yaml": edit(USERS, "  additionalScopes: { orders: [write:orders] }\n", ""),
      "apps.yaml": edit(APPS, "[write:orders, read:orders]", "[read:orders]"),
      "keys.yaml": edit(KEYS, "[write:orders, read:orders]", "[read:orders]"),
    };
    const p = await planFrom(t, TENANT, next);
    assert.deepEqual(actions(p), [
      "update Role admin",
      "update User bob",
      "update Application backend",
      "update Application exporter",
      "replace ApiKey scanner",
      "delete Scope orders/write:orders",
    ]);
    const lost = ["orders/write:orders"];
    assert.deepEqual(impactOf(p, "Scope", "orders/write:orders"), {
      scopes: lost,
      roles: ["admin"],
      // alice by her role admin, bob as an additional scope.
      users: ["alice", "bob"],
      applications: ["backend", "exporter"],
      apiKeys: ["scanner"],
    });
    assert.deepEqual(impactOf(p, "Role", "admin"), {
      ...none,
      scopes: lost,
      roles: ["admin"],
      users: ["alice"],
    });
    assert.deepEqual(impactOf(p, "User", "bob"), { ...none, scopes: lost, users: ["bob"] });
    assert.deepEqual(impactOf(p, "Application", "exporter"), {
      ...none,
      scopes: lost,
      applications: ["exporter"],
    });
    assert.deepEqual(impactOf(p, "Application", "backend"), {
      ...none,
      scopes: lost,
      applications: ["backend"],
    });
    assert.deepEqual(impactOf(p, "ApiKey", "scanner"), { ...none, scopes: lost, apiKeys: ["scanner"] });
  });

  test("a deleted role lists its scopes and the users assigned to it; a user losing a role loses its scopes", async (t) => {
    const next = {
      ...TENANT,
      "roles.yaml": ROLES.split("---")[0] ?? "",
      "users.yaml": edit(USERS, "roles: [admin]", "roles: [support]"),
    };
    const p = await planFrom(t, TENANT, next);
    assert.deepEqual(actions(p), ["update User alice", "delete Role admin"]);
    assert.deepEqual(impactOf(p, "Role", "admin"), {
      ...none,
      scopes: ["orders/read:orders", "orders/write:orders"],
      roles: ["admin"],
      users: ["alice"],
    });
    // alice keeps read:orders through support: only write:orders is lost.
    assert.deepEqual(impactOf(p, "User", "alice"), {
      ...none,
      scopes: ["orders/write:orders"],
      users: ["alice"],
    });
  });

  test("a widened grant has no impact", async (t) => {
    const next = {
      ...TENANT,
      "roles.yaml": edit(ROLES, "{ orders: [read:orders] }", "{ orders: [read:orders, write:orders] }"),
    };
    const p = await planFrom(t, TENANT, next);
    assert.deepEqual(actions(p), ["update Role support"]);
    assert.equal(impactOf(p, "Role", "support"), undefined);
  });

  test("holders come from the store as it is, whoever manages them; a scope nobody holds has an empty list", () => {
    const scope = (name: string): Resource => ({
      kind: "Scope",
      id: `orders/${name}`,
      props: { api: "orders", name, description: name, origin: "manual" },
    });
    const current: StoredResource[] = [
      ...stored([scope("a"), scope("b")]),
      ...stored(
        [
          {
            kind: "Role",
            id: "ops",
            props: { displayName: "Ops", description: "", scopes: { orders: ["a"] } },
          },
          {
            kind: "User",
            id: "carol",
            props: { email: "c@x", displayName: "C", roles: ["ops"], additionalScopes: {}, disabled: false },
          },
        ],
        "pulumi:prod",
      ),
    ];
    const p = plan([], current);
    assert.deepEqual(actions(p), ["delete Scope orders/a", "delete Scope orders/b"]);
    assert.deepEqual(impactOf(p, "Scope", "orders/a"), {
      ...none,
      scopes: ["orders/a"],
      roles: ["ops"],
      users: ["carol"],
    });
    assert.deepEqual(impactOf(p, "Scope", "orders/b"), { ...none, scopes: ["orders/b"] });
  });
});
