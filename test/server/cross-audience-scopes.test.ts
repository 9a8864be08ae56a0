/**
 * A scope name is unique only within its Api, but a token's `scope` is one flat list: a token for two
 * audiences whose Apis both define `read:invoices` would let each Api read the other's grant as its own.
 * Such a token is refused at issuance, by both grants; and /v1 counts only the scopes that hold at the
 * management audience, for a token minted as the server did before (the review's p01 scenario, with
 * the store holding an `orders` scope named `read:users`, as a store written before the manifest rule
 * may). Over HTTP against the real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RECONCILER } from "../../src/model/resources.ts";
import { issueAccessToken } from "../../src/server/oauth/access-token.ts";
import {
  authorizeUrl,
  CATALOG,
  ORDERS,
  openAuthorize,
  serveUserTenant,
  userTenantFiles,
  WEB_REDIRECT,
} from "../support/sign-in.ts";
import { API_HEADER, basic, postForm, type ServedTenant } from "../support/token-server.ts";
import { assertOAuthError } from "../support/user-tokens.ts";

/** The user tenant with catalog also defining read:invoices, and robot authorized for both Apis. */
function sharedNameFiles(issuer: string): Record<string, string> {
  const files = userTenantFiles(issuer);
  const apis = files["apis.yaml"] ?? assert.fail("no apis.yaml");
  const apps = files["apps.yaml"] ?? assert.fail("no apps.yaml");
  const catalogScopes = `    - { name: "write:products" }\n`;
  const robotApis = "  clientId: robot\n  apis:\n    orders: { scopes: all }\n";
  assert.ok(apis.includes(catalogScopes) && apps.includes(robotApis));
  return {
    ...files,
    "apis.yaml": apis.replace(catalogScopes, `${catalogScopes}    - { name: "read:invoices" }\n`),
    "apps.yaml": apps.replace(robotApis, `${robotApis}    catalog: { scopes: all }\n`),
  };
}

function clientCredentials(tenant: ServedTenant, form: Record<string, string>) {
  const secret = tenant.secrets.get("robot") ?? assert.fail("no secret for robot");
  return postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", ...form },
    { authorization: basic("robot", secret) },
  );
}

/** The error an authorization request is sent back to the client with (RFC 6749 §4.1.2.1). */
async function authorizeError(issuer: string, scope: string, audience: string) {
  const { url } = authorizeUrl(issuer, { scope, audience });
  const answer = await openAuthorize(url);
  const location = new URL(answer.location ?? assert.fail(`no redirect: ${answer.status}`));
  assert.equal(`${location.origin}${location.pathname}`, WEB_REDIRECT);
  return {
    error: location.searchParams.get("error"),
    description: location.searchParams.get("error_description") ?? "",
  };
}

describe("a token for several audiences never carries a scope name two of them define", {
  timeout: 60_000,
}, () => {
  test("client credentials: refused with invalid_scope naming the scope and the Apis; one audience at a time works", async (t) => {
    const { tenant } = await serveUserTenant(t, {}, sharedNameFiles);
    const both = `${ORDERS} ${CATALOG}`;

    const asked = await clientCredentials(tenant, { audience: both, scope: "read:orders read:invoices" });
    assertOAuthError(asked, 400, "invalid_scope");
    assert.match(String(asked.body.error_description), /read:invoices/);
    assert.match(String(asked.body.error_description), /orders, catalog|catalog, orders/);

    // No scope asked means every enabled scope, read:invoices of both Apis among them.
    const all = await clientCredentials(tenant, { audience: ORDERS, resource: CATALOG });
    assertOAuthError(all, 400, "invalid_scope");
    assert.match(String(all.body.error_description), /read:invoices/);
    assert.match(String(all.body.error_description), /ask for each audience in its own token request/);

    // Names only one of the Apis defines are not ambiguous.
    const plain = await clientCredentials(tenant, { audience: both, scope: "read:orders read:products" });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    for (const audience of [ORDERS, CATALOG]) {
      const one = await clientCredentials(tenant, { audience });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.ok(String(one.body.scope).split(" ").includes("read:invoices"));
    }
  });

  test("a user sign-in: invalid_scope back to the client, asked or implied by asking for no API scope", async (t) => {
    const { issuer } = await serveUserTenant(t, {}, sharedNameFiles);
    const both = `${ORDERS} ${CATALOG}`;
    const asked = await authorizeError(issuer, "openid read:invoices", both);
    assert.equal(asked.error, "invalid_scope", asked.description);
    assert.match(asked.description, /read:invoices/);
    const implied = await authorizeError(issuer, "openid offline_access", both);
    assert.equal(implied.error, "invalid_scope", implied.description);
    assert.match(implied.description, /ask for each audience in its own token request/);

    const plain = await openAuthorize(
      authorizeUrl(issuer, { scope: "openid read:orders", audience: both }).url,
    );
    assert.equal(plain.status, 200, "names one Api defines: the login page");
  });
});

/** The review's p01 tenant, less the orders scope named read:users the manifests now refuse. */
function p01Files(issuer: string): Record<string, string> {
  const management = `${issuer}/v1`;
  return {
    "settings.yaml": `${API_HEADER("Settings", "default")}spec:\n  issuer: ${issuer}\n`,
    "apis.yaml": [
      `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes:\n    - { name: "read:orders" }\n`,
      `${API_HEADER("Api", "management")}spec:\n  audience: ${management}\n  scopes:\n    - { name: "read:apis" }\n    - { name: "read:users" }\n`,
    ].join("---\n"),
    "roles.yaml": `${API_HEADER("Role", "r")}spec:\n  scopes:\n    orders: ["read:orders"]\n    management: ["read:apis"]\n`,
    "users.yaml": ["alice", "bob", "carol"]
      .map((name) => `${API_HEADER("User", name)}spec:\n  email: ${name}@example.com\n  roles: [r]\n`)
      .join("---\n"),
    "apps.yaml": [
      `${API_HEADER("Application", "web")}spec:\n  type: regular\n  clientId: web\n  redirectUris: ["${WEB_REDIRECT}"]\n  apis:\n    orders: { scopes: all }\n    management: { scopes: ["read:apis"] }\n`,
      `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  apis:\n    orders: { scopes: all }\n    management: { scopes: ["read:apis"] }\n`,
    ].join("---\n"),
  };
}

/** Writes an orders scope named read:users straight into the store, and waits until it is served. */
async function addOrdersReadUsers(tenant: ServedTenant): Promise<void> {
  const ctx = { actor: "test", managedBy: RECONCILER };
  const props = { api: "orders", name: "read:users", description: "", origin: "manual" as const };
  await tenant.store.transaction((tx) => tx.put("Scope", "orders/read:users", props, ctx), { ctx });
  await tenant.served(await tenant.store.revision());
}

async function listUsers(issuer: string, token: string) {
  const res = await fetch(`${issuer}/v1/users`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("an Api's scope named like a management permission never opens /v1 (p01)", {
  timeout: 60_000,
}, () => {
  test("client credentials for orders and management together are refused; a token minted for both as before gets 403", async (t) => {
    const { tenant, issuer } = await serveUserTenant(t, {}, p01Files);
    await addOrdersReadUsers(tenant);
    const management = `${issuer}/v1`;

    const mixed = await clientCredentials(tenant, { audience: `${ORDERS} ${management}` });
    assertOAuthError(mixed, 400, "invalid_scope");
    assert.match(String(mixed.body.error_description), /read:users/);
    const viaResource = await clientCredentials(tenant, {
      audience: management,
      resource: ORDERS,
      scope: "read:users",
    });
    assertOAuthError(viaResource, 400, "invalid_scope");

    // What the server issued before the fix: both audiences, orders' read:users in the flat list.
    const snapshot = tenant.server.snapshot();
    const old = await issueAccessToken(snapshot, {
      subject: "robot",
      clientId: "robot",
      audiences: [ORDERS, management],
      scopes: ["read:orders", "read:users", "read:apis"],
      lifetimeSeconds: 600,
      includePermissions: false,
    });
    const users = await listUsers(issuer, old.token);
    assert.equal(users.status, 403, JSON.stringify(users.body));
    assert.equal(users.body.error, "insufficient_scope");
    const apis = await fetch(`${issuer}/v1/apis`, { headers: { authorization: `Bearer ${old.token}` } });
    assert.equal(apis.status, 200, "read:apis holds at the management audience");
  });

  test("a user sign-in for orders and management asking read:users is sent back with invalid_scope", async (t) => {
    const { tenant, issuer } = await serveUserTenant(t, {}, p01Files);
    await addOrdersReadUsers(tenant);
    const answer = await authorizeError(issuer, "openid read:users read:apis", `${ORDERS} ${issuer}/v1`);
    assert.equal(answer.error, "invalid_scope", answer.description);
    assert.match(answer.description, /read:users/);
  });
});
