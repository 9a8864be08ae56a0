/**
 * Review finding 9: a token is honoured for what holds now, not for what held when it was issued. /v1
 * counts the scopes the token's client still has enabled at the management audience (and, for a user
 * token, that the user still holds through roles or additional scopes); introspection reports the
 * scopes that still hold, and `active: false` once the client is authorized for none of the token's
 * audiences. Each change is an apply while the server runs; over HTTP against the real server and a
 * real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serveUserTenant, userTenantFiles } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm, type ServedTenant, serveTenant } from "../support/token-server.ts";
import { applyAndServe, introspectAsWeb, signInAtWeb } from "../support/user-tokens.ts";

/** The default Settings issuer is http://localhost:8080: the management audience is its /v1. */
const MANAGEMENT = "http://localhost:8080/v1";
const ORDERS = "https://api.example.com/orders";

/** robot's Apis; `management` null: no management authorization. */
function m2mFiles(management: string | null): Record<string, string> {
  return {
    "apis.yaml": [
      `${API_HEADER("Api", "management")}spec:\n  audience: ${MANAGEMENT}\n  scopes: [{ name: "read:users" }, { name: "read:apis" }]\n`,
      `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }]\n`,
    ].join("---\n"),
    "apps.yaml": [
      `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  apis:\n    orders: { scopes: all }\n${management === null ? "" : `    management: { scopes: ${management} }\n`}`,
      // A resource server that introspects: authorized for both audiences.
      `${API_HEADER("Application", "rs")}spec:\n  type: m2m\n  clientId: rs\n  apis:\n    orders: { scopes: all }\n    management: { scopes: all }\n`,
    ].join("---\n"),
  };
}

async function robotToken(tenant: ServedTenant, audience: string): Promise<string> {
  const answer = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", audience },
    { authorization: basic("robot", tenant.secrets.get("robot") ?? assert.fail("no secret for robot")) },
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return String(answer.body.access_token);
}

async function introspectAsRs(tenant: ServedTenant, token: string): Promise<Record<string, unknown>> {
  const answer = await postForm(
    `${tenant.url}/oauth2/introspect`,
    { token },
    { authorization: basic("rs", tenant.secrets.get("rs") ?? assert.fail("no secret for rs")) },
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

async function v1(base: string, route: string, token: string) {
  const res = await fetch(`${base}/v1${route}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function applyServed(tenant: ServedTenant, files: Record<string, string>): Promise<void> {
  await tenant.served(await tenant.apply(files));
}

describe("a client's permissions are judged as they are now", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the management authorization removed: the old token gets 401 at /v1 and is inactive", async (t) => {
    const tenant = await serveTenant(t, m2mFiles("[read:users]"));
    const token = await robotToken(tenant, MANAGEMENT);
    assert.equal((await v1(tenant.url, "/users", token)).status, 200);

    await applyServed(tenant, m2mFiles(null));
    const after = await v1(tenant.url, "/users", token);
    assert.equal(after.status, 401, JSON.stringify(after.body));
    assert.equal(after.body.error, "invalid_token");
    assert.deepEqual(await introspectAsRs(tenant, token), { active: false });
  });

  test("a permission disabled: 403 for that view, the other still open, introspection narrowed", async (t) => {
    const tenant = await serveTenant(t, m2mFiles("[read:users, read:apis]"));
    const token = await robotToken(tenant, MANAGEMENT);
    assert.equal((await v1(tenant.url, "/users", token)).status, 200);

    await applyServed(tenant, m2mFiles("[read:apis]"));
    const users = await v1(tenant.url, "/users", token);
    assert.equal(users.status, 403, JSON.stringify(users.body));
    assert.equal(users.body.error, "insufficient_scope");
    assert.equal((await v1(tenant.url, "/apis", token)).status, 200);
    const answer = await introspectAsRs(tenant, token);
    assert.equal(answer.active, true);
    assert.equal(answer.scope, "read:apis");
  });

  test("a token for two audiences stays active for the one its client keeps, with that one's scopes", async (t) => {
    const tenant = await serveTenant(t, m2mFiles("[read:users]"));
    const token = await robotToken(tenant, `${ORDERS} ${MANAGEMENT}`);
    assert.equal((await introspectAsRs(tenant, token)).scope, "read:orders read:users");

    await applyServed(tenant, m2mFiles(null));
    const answer = await introspectAsRs(tenant, token);
    assert.equal(answer.active, true, JSON.stringify(answer));
    assert.equal(answer.scope, "read:orders");
    assert.deepEqual(answer.aud, [ORDERS]);
  });
});

describe("a user's permissions are judged as they are now", { timeout: SUITE_TIMEOUT_MS }, () => {
  /** The user tenant with the management Api; alice holds read:users there while `admin` is true. */
  function managedFiles(issuer: string, admin: boolean): Record<string, string> {
    const files = userTenantFiles(issuer);
    const users = files["users.yaml"] ?? assert.fail("no users.yaml");
    const apps = files["apps.yaml"] ?? assert.fail("no apps.yaml");
    const aliceRoles = "roles: [support, auditor]";
    const webApis = "    catalog: { scopes: all }\n";
    assert.ok(users.includes(aliceRoles) && apps.includes(webApis));
    return {
      ...files,
      "management.yaml": [
        `${API_HEADER("Api", "management")}spec:\n  audience: ${issuer}/v1\n  scopes: [{ name: "read:apis" }, { name: "read:users" }]\n`,
        `${API_HEADER("Role", "admin")}spec:\n  scopes:\n    management: ["read:apis", "read:users"]\n`,
      ].join("---\n"),
      "users.yaml": admin ? users.replace(aliceRoles, "roles: [support, auditor, admin]") : users,
      "apps.yaml": apps.replace(webApis, `${webApis}    management: { scopes: all }\n`),
    };
  }

  test("a role removed since the sign-in: /v1 answers 403, introspection no longer lists the permission", async (t) => {
    const user = await serveUserTenant(t, {}, (issuer) => managedFiles(issuer, true));
    const tokens = await signInAtWeb(user, {
      scope: "openid read:users read:apis",
      audience: `${user.issuer}/v1`,
    });
    assert.equal((await v1(user.issuer, "/users", tokens.access_token)).status, 200);

    await applyAndServe(user, managedFiles(user.issuer, false));
    const after = await v1(user.issuer, "/users", tokens.access_token);
    assert.equal(after.status, 403, JSON.stringify(after.body));
    assert.equal(after.body.error, "insufficient_scope");
    const answer = await introspectAsWeb(user, tokens.access_token);
    assert.equal(answer.active, true, "the sign-in is live; only the permission went");
    assert.equal(answer.scope, "openid");
  });
});
