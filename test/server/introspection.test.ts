/**
 * `POST /oauth2/introspect` (RFC 7662) on the real server: which callers learn that an access token or
 * an API key is active, what they learn, and that everything else is exactly `{active: false}`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import { introspect } from "../../src/server/oauth/introspection.ts";
import {
  API_HEADER,
  basic,
  claimsOf,
  postForm,
  type ServedTenant,
  serveTenant,
} from "../support/token-server.ts";

const ORDERS = "https://orders.example";
const BILLING = "https://billing.example";
const KEY_EXPIRES = "2099-12-31T23:59:59Z";

const app = (name: string, apis: string, extra = "") =>
  `${API_HEADER("Application", name)}spec:\n  type: m2m\n  apis:\n${apis}${extra}`;

/** The tenant; `without` leaves applications out, `disabled` marks them disabled. */
function tenantFiles(
  options: { without?: string[]; disabled?: string[]; ownerDisabled?: boolean } = {},
): Record<string, string> {
  const apps: Record<string, string> = {
    // The client that gets tokens for orders.
    exporter: app(
      "exporter",
      `    orders: { scopes: ["read:orders", "write:orders"] }\n`,
      "  tokens: { lifetimeSeconds: 600 }\n",
    ),
    // A resource server of the orders Api: authorized for its audience, asks about tokens meant for it.
    "orders-rs": app("orders-rs", `    orders: { scopes: ["read:orders"] }\n`),
    // Authorized for billing only.
    "billing-rs": app("billing-rs", `    billing: { scopes: all }\n`),
    temp: app("temp", `    orders: { scopes: ["read:orders"] }\n`),
    flaky: app("flaky", `    orders: { scopes: ["read:orders"] }\n`),
  };
  const docs = [
    `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }, { name: "write:orders" }]\n`,
    `${API_HEADER("Api", "billing")}spec:\n  audience: ${BILLING}\n  scopes: [{ name: "read:invoices" }]\n`,
    `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n${options.ownerDisabled ? "  disabled: true\n" : ""}`,
  ];
  for (const [name, doc] of Object.entries(apps)) {
    if (options.without?.includes(name)) continue;
    docs.push(options.disabled?.includes(name) ? `${doc}  disabled: true\n` : doc);
  }
  docs.push(
    `${API_HEADER("ApiKey", "scanner")}spec:\n  api: orders\n  scopes: ["read:orders", "write:orders"]\n  owner: alice\n  expiresAt: "${KEY_EXPIRES}"\n`,
    `${API_HEADER("ApiKey", "forever")}spec:\n  api: orders\n  scopes: ["read:orders"]\n`,
    `${API_HEADER("ApiKey", "lapsed")}spec:\n  api: orders\n  scopes: ["read:orders"]\n  expiresAt: "2020-01-01T00:00:00Z"\n`,
  );
  return { "tenant.yaml": docs.join("---\n") };
}

function secretOf(tenant: ServedTenant, name: string): string {
  return tenant.secrets.get(name) ?? assert.fail(`no secret for ${name}`);
}

async function tokenFor(
  tenant: ServedTenant,
  name: string,
  form: Record<string, string> = {},
): Promise<string> {
  const res = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", ...form },
    { authorization: basic(name, secretOf(tenant, name)) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

/** Introspects `token` as application `caller` (Basic), checking the response's headers. */
async function introspectAs(
  tenant: ServedTenant,
  caller: string,
  token: string,
): Promise<Record<string, unknown>> {
  const res = await postForm(
    `${tenant.url}/oauth2/introspect`,
    { token },
    { authorization: basic(caller, secretOf(tenant, caller)) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return res.body;
}

const INACTIVE = { active: false };

describe("introspection of access tokens", () => {
  test("active for its own client, with the RFC 7662 fields", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter");
    const claims = claimsOf(token);
    const answer = await introspectAs(tenant, "exporter", token);
    assert.equal(answer.active, true);
    assert.equal(answer.scope, "read:orders write:orders");
    assert.deepEqual(answer.aud, [ORDERS]);
    assert.equal(answer.client_id, "exporter");
    assert.equal(answer.sub, "exporter");
    assert.equal(answer.iss, tenant.issuer);
    assert.equal(answer.exp, claims.exp);
    assert.equal(answer.iat, claims.iat);
    assert.equal(answer.jti, claims.jti);
    assert.equal(answer.token_type, "Bearer");
    assert.equal(Number(answer.exp) - Number(answer.iat), 600);
  });

  test("active for an application authorized for the token's audience (client_secret_post too)", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter", { scope: "write:orders" });
    const viaBasic = await introspectAs(tenant, "orders-rs", token);
    assert.equal(viaBasic.active, true);
    assert.equal(viaBasic.client_id, "exporter");
    assert.equal(viaBasic.scope, "write:orders");
    assert.deepEqual(viaBasic.aud, [ORDERS]);
    const viaPost = await postForm(`${tenant.url}/oauth2/introspect`, {
      token,
      client_id: "orders-rs",
      client_secret: secretOf(tenant, "orders-rs"),
    });
    assert.equal(viaPost.status, 200);
    assert.deepEqual(viaPost.body, viaBasic);
  });

  test("exactly {active: false} for an application not authorized for the token's audience", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter");
    assert.deepEqual(await introspectAs(tenant, "billing-rs", token), INACTIVE);
    // And the other way round: billing's token is nothing to the orders resource server.
    const billing = await tokenFor(tenant, "billing-rs");
    assert.deepEqual(await introspectAs(tenant, "orders-rs", billing), INACTIVE);
    assert.equal((await introspectAs(tenant, "billing-rs", billing)).active, true);
  });

  test("exactly {active: false} for garbage", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter");
    const [header, payload, signature] = token.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(token), scope: "admin" })).toString("base64url")}.${signature}`;
    for (const garbage of ["not-a-token", "a.b.c", `${header}.${payload}.`, tampered, " ", "sck_"]) {
      assert.deepEqual(await introspectAs(tenant, "exporter", garbage), INACTIVE, garbage);
    }
  });

  test("an expired token is inactive (introspect() with a later clock)", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter");
    const exp = Number(claimsOf(token).exp);
    const snapshot = tenant.server.snapshot();
    const caller = snapshot.clients.get("orders-rs") ?? assert.fail("no orders-rs client");
    const before = await introspect(tenant.store, snapshot, caller, token, (exp - 1) * 1000);
    assert.equal(before.active, true);
    assert.deepEqual(await introspect(tenant.store, snapshot, caller, token, (exp + 1) * 1000), INACTIVE);
    assert.deepEqual(
      await introspect(tenant.store, snapshot, caller, token, Date.now() + 3600_000),
      INACTIVE,
    );
  });

  test("a token with the right claims signed by another key is inactive", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const real = await tokenFor(tenant, "exporter");
    const claims = claimsOf(real);
    const signer = tenant.server.snapshot().keys.signer;
    const { privateKey, publicKey } = await generateKeyPair(signer.alg, { extractable: true });
    const forge = (kid: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: signer.alg, typ: "at+jwt", kid }).sign(privateKey);
    // The server's kid with another key, and the other key's own thumbprint as kid.
    const otherKid = await calculateJwkThumbprint(await exportJWK(publicKey), "sha256");
    assert.notEqual(otherKid, signer.kid);
    for (const forged of [await forge(signer.kid), await forge(otherKid)]) {
      assert.deepEqual(await introspectAs(tenant, "exporter", forged), INACTIVE);
      assert.deepEqual(await introspectAs(tenant, "orders-rs", forged), INACTIVE);
    }
    // Control: the real token is active for the same callers.
    assert.equal((await introspectAs(tenant, "orders-rs", real)).active, true);
  });

  test("a token of an application deleted or disabled by a later apply is inactive", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const temp = await tokenFor(tenant, "temp");
    const flaky = await tokenFor(tenant, "flaky");
    assert.equal((await introspectAs(tenant, "orders-rs", temp)).active, true);
    assert.equal((await introspectAs(tenant, "orders-rs", flaky)).active, true);
    const exporter = await tokenFor(tenant, "exporter");

    const revision = await tenant.apply(tenantFiles({ without: ["temp"], disabled: ["flaky"] }));
    await tenant.served(revision);
    assert.deepEqual(await introspectAs(tenant, "orders-rs", temp), INACTIVE);
    assert.deepEqual(await introspectAs(tenant, "orders-rs", flaky), INACTIVE);
    // The disabled client can no longer authenticate to ask either.
    const self = await postForm(
      `${tenant.url}/oauth2/introspect`,
      { token: flaky },
      { authorization: basic("flaky", secretOf(tenant, "flaky")) },
    );
    assert.equal(self.status, 401);
    assert.equal(self.body.error, "invalid_client");
    // Other applications' tokens are untouched.
    assert.equal((await introspectAs(tenant, "orders-rs", exporter)).active, true);
  });
});

describe("introspection of API keys", () => {
  test("an API key is active with its scopes, Api, audience, owner and expiry", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const key = secretOf(tenant, "scanner");
    assert.match(key, /^sck_[0-9a-f]{8}_/);
    for (const caller of ["orders-rs", "exporter"]) {
      const answer = await introspectAs(tenant, caller, key);
      assert.deepEqual(answer, {
        active: true,
        token_type: "api_key",
        api_key: "scanner",
        scope: "read:orders write:orders",
        aud: [ORDERS],
        api: "orders",
        iss: tenant.issuer,
        sub: "alice",
        username: "alice",
        exp: Date.parse(KEY_EXPIRES) / 1000,
      });
    }
    // Without an owner or an expiry: neither sub nor exp.
    const forever = await introspectAs(tenant, "orders-rs", secretOf(tenant, "forever"));
    assert.equal(forever.active, true);
    assert.equal(forever.api_key, "forever");
    assert.equal("sub" in forever, false);
    assert.equal("exp" in forever, false);
  });

  test("a key whose owner is disabled is inactive while the owner is", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const key = secretOf(tenant, "scanner");
    assert.equal((await introspectAs(tenant, "orders-rs", key)).active, true);
    await tenant.served(await tenant.apply(tenantFiles({ ownerDisabled: true })));
    assert.deepEqual(await introspectAs(tenant, "orders-rs", key), INACTIVE);
    // The key without an owner is untouched.
    assert.equal((await introspectAs(tenant, "orders-rs", secretOf(tenant, "forever"))).active, true);
  });

  test("a wrong key with a valid lookup prefix is inactive", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const key = secretOf(tenant, "scanner");
    const prefix = key.slice(0, "sck_".length + 8);
    const last = key.at(-1) === "A" ? "B" : "A";
    for (const wrong of [`${key.slice(0, -1)}${last}`, `${prefix}_${"x".repeat(43)}`, prefix, `${key}x`]) {
      assert.deepEqual(await introspectAs(tenant, "orders-rs", wrong), INACTIVE, wrong);
    }
  });

  test("an expired key is inactive: expiresAt in the past, or a later clock", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const lapsed = secretOf(tenant, "lapsed");
    assert.deepEqual(await introspectAs(tenant, "orders-rs", lapsed), INACTIVE);

    const key = secretOf(tenant, "scanner");
    const snapshot = tenant.server.snapshot();
    const caller = snapshot.clients.get("orders-rs") ?? assert.fail("no orders-rs client");
    const expires = Date.parse(KEY_EXPIRES);
    assert.equal((await introspect(tenant.store, snapshot, caller, key, expires - 1)).active, true);
    assert.deepEqual(await introspect(tenant.store, snapshot, caller, key, expires), INACTIVE);
    assert.deepEqual(await introspect(tenant.store, snapshot, caller, key, expires + 1000), INACTIVE);
  });

  test("a caller not authorized for the key's Api gets {active: false}", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    assert.deepEqual(await introspectAs(tenant, "billing-rs", secretOf(tenant, "scanner")), INACTIVE);
  });
});

describe("introspection errors", () => {
  test("a missing token is 400 invalid_request, not cached", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await postForm(
      `${tenant.url}/oauth2/introspect`,
      {},
      { authorization: basic("orders-rs", secretOf(tenant, "orders-rs")) },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, "invalid_request");
    assert.match(String(res.body.error_description), /token/);
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  test("an unauthenticated or wrongly authenticated caller is 401 invalid_client", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "exporter");

    const anonymous = await postForm(`${tenant.url}/oauth2/introspect`, { token });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error, "invalid_client");
    assert.equal(anonymous.body.active, undefined);
    assert.equal(anonymous.headers.get("cache-control"), "no-store");

    const wrongBasic = await postForm(
      `${tenant.url}/oauth2/introspect`,
      { token },
      { authorization: basic("orders-rs", "wrong") },
    );
    assert.equal(wrongBasic.status, 401);
    assert.equal(wrongBasic.body.error, "invalid_client");
    assert.match(wrongBasic.headers.get("www-authenticate") ?? "", /^Basic realm="scopectl"/);
    assert.equal(wrongBasic.headers.get("cache-control"), "no-store");

    const wrongPost = await postForm(`${tenant.url}/oauth2/introspect`, {
      token,
      client_id: "nobody",
      client_secret: "nothing",
    });
    assert.equal(wrongPost.status, 400);
    assert.equal(wrongPost.body.error, "invalid_client");
    assert.equal(wrongPost.headers.get("www-authenticate"), null);
  });

  test("only POST is accepted", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await fetch(`${tenant.url}/oauth2/introspect?token=x`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
  });
});
