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

test("form bodies: a charset other than UTF-8 is refused; __proto__ is only a parameter name", async (t) => {
  const tenant = await serveTenant(t, TENANT);
  const secret = tenant.secrets.get("exporter") ?? "";
  const latin1 = await fetch(`${tenant.url}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=iso-8859-1" },
    body: "grant_type=client_credentials",
  });
  assert.equal(latin1.status, 415);
  assert.equal(((await latin1.json()) as { error: string }).error, "invalid_request");
  const proto = await fetch(`${tenant.url}/oauth2/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=UTF-8",
      authorization: basic("exporter", secret),
    },
    body: "grant_type=client_credentials&__proto__=polluted&constructor=x",
  });
  assert.equal(proto.status, 200);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
