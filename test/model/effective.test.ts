import assert from "node:assert/strict";
import { test } from "node:test";
import { effectiveScopes } from "../../src/model/effective.ts";
import type { RoleProps, UserProps } from "../../src/model/resources.ts";

const role = (scopes: RoleProps["scopes"]): RoleProps => ({ displayName: "", description: "", scopes });

test("effective scopes are the union of role scopes and additional scopes, each with all its sources", () => {
  const roles = new Map([
    ["editor", role({ catalog: ["get:products", "post:products"] })],
    ["support", role({ catalog: ["get:products"], orders: ["read:orders"] })],
  ]);
  const user: UserProps = {
    email: "a@example.com",
    displayName: "A",
    roles: ["editor", "support", "ghost"],
    additionalScopes: { orders: ["read:orders", "write:orders"] },
    disabled: false,
  };
  assert.deepEqual(effectiveScopes(user, roles), [
    { api: "catalog", scope: "get:products", sources: [{ role: "editor" }, { role: "support" }] },
    { api: "catalog", scope: "post:products", sources: [{ role: "editor" }] },
    { api: "orders", scope: "read:orders", sources: [{ role: "support" }, { additional: true }] },
    { api: "orders", scope: "write:orders", sources: [{ additional: true }] },
  ]);
});
