import assert from "node:assert/strict";
import { test } from "node:test";
import { API_HEADER, basic, claimsOf, postForm, serveTenant } from "../support/token-server.ts";

const TENANT = {
  "t.yaml": `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes: [{ name: "read:orders" }, { name: "write:orders" }]\n---\n${API_HEADER("Application", "exporter")}spec:\n  type: m2m\n  apis:\n    orders: { scopes: ["read:orders"] }\n`,
};

test("a client credentials token for the only authorized Api", async (t) => {
  const tenant = await serveTenant(t, TENANT);
  const secret = tenant.secrets.get("exporter") ?? "";
  const res = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials" },
    { authorization: basic("exporter", secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const claims = claimsOf(String(res.body.access_token));
  assert.deepEqual(claims.aud, ["https://orders.example"]);
  assert.equal(claims.scope, "read:orders");
});
