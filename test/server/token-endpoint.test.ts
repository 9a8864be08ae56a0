/**
 * `POST /oauth2/token` over real HTTP, on a real store: client authentication (Basic, post, neither,
 * both), audiences and RFC 8707 resources, scopes, RFC 6749 §5.2 errors, RFC 9068 claims checked against
 * the published JWKS, reloads after an apply, token reuse and the failed-authentication rate limit.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
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
const HR = "https://hr.example";
const UNKNOWN = "https://nobody.example";

const apis = (billingScopes = `[{ name: "read:invoices" }, { name: "pay:invoices" }]`) =>
  `${API_HEADER("Api", "orders")}spec:
  audience: ${ORDERS}
  scopes: [{ name: "read:orders" }, { name: "write:orders" }, { name: "cancel:orders" }]
---
${API_HEADER("Api", "billing")}spec:
  audience: ${BILLING}
  scopes: ${billingScopes}
---
${API_HEADER("Api", "hr")}spec:
  audience: ${HR}
  scopes: [{ name: "read:people" }]
`;

const EXPORTER = `${API_HEADER("Application", "exporter")}spec:
  type: m2m
  apis:
    orders: { scopes: ["read:orders", "write:orders"] }
  tokens:
    lifetimeSeconds: 900
    includeApiScopesInPermissions: true
`;

const MULTI = `${API_HEADER("Application", "multi")}spec:
  type: m2m
  apis:
    orders: { scopes: ["read:orders"] }
    billing: { scopes: all }
`;

const WEBAPP = `${API_HEADER("Application", "webapp")}spec:
  type: regular
  redirectUris: ["https://app.example/callback"]
  apis:
    orders: { scopes: ["read:orders"] }
`;

const spare = (extra = "") => `${API_HEADER("Application", "spare")}spec:
  type: m2m
${extra}  apis:
    orders: { scopes: ["read:orders"] }
`;

function tenantFiles(
  options: { billingScopes?: string; spare?: string | null } = {},
): Record<string, string> {
  const apps = [EXPORTER, MULTI, WEBAPP];
  if (options.spare !== null) apps.push(options.spare ?? spare());
  return {
    "apis.yaml": apis(options.billingScopes),
    "apps.yaml": apps.join("---\n"),
  };
}

type Reply = Awaited<ReturnType<typeof postForm>>;

const tokenUrl = (tenant: ServedTenant) => `${tenant.url}/oauth2/token`;

function secretOf(tenant: ServedTenant, app: string): string {
  const secret = tenant.secrets.get(app);
  assert.ok(secret, `the apply made no secret for ${app}`);
  return secret;
}

/** A client credentials request authenticated with Basic as `app`, with extra form parameters. */
function requestAs(
  tenant: ServedTenant,
  app: string,
  form: Record<string, string | string[]> = {},
  secret = secretOf(tenant, app),
): Promise<Reply> {
  return postForm(
    tokenUrl(tenant),
    { grant_type: "client_credentials", ...form },
    { authorization: basic(app, secret) },
  );
}

function assertNoStore(res: Reply): void {
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("pragma"), "no-cache");
}

/** A successful token response; returns the access token. */
function assertToken(res: Reply): string {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertNoStore(res);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(Object.keys(res.body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
  assert.equal(res.body.token_type, "Bearer");
  assert.equal(typeof res.body.access_token, "string");
  return String(res.body.access_token);
}

/** An RFC 6749 §5.2 error: exact status and code, a description, never cached. */
function assertError(res: Reply, status: number, error: string, description?: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assertNoStore(res);
  assert.deepEqual(Object.keys(res.body).sort(), ["error", "error_description"]);
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, "string");
  if (description) assert.match(String(res.body.error_description), description);
}

const BASIC_CHALLENGE = 'Basic realm="scopectl", charset="UTF-8"';

function scopesOf(res: Reply): string[] {
  return String(res.body.scope).split(" ").sort();
}

describe("POST /oauth2/token: client authentication", () => {
  test("client_secret_basic and client_secret_post both get a token", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const viaBasic = await requestAs(tenant, "exporter");
    assert.equal(claimsOf(assertToken(viaBasic)).client_id, "exporter");

    const viaPost = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "exporter",
      client_secret: secretOf(tenant, "exporter"),
    });
    assert.equal(claimsOf(assertToken(viaPost)).client_id, "exporter");

    // Basic may repeat the same client_id in the body (RFC 6749 §2.3.1 does not forbid it).
    const both = await requestAs(tenant, "exporter", { client_id: "exporter" });
    assertToken(both);
  });

  test("both methods at once, or a body client_id that differs from Basic: 400 invalid_request", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const secret = secretOf(tenant, "exporter");
    const both = await requestAs(tenant, "exporter", { client_id: "exporter", client_secret: secret });
    assertError(both, 400, "invalid_request", /one client authentication method/);
    assert.equal(both.headers.get("www-authenticate"), null);

    const differs = await requestAs(tenant, "exporter", { client_id: "multi" });
    assertError(differs, 400, "invalid_request", /differs/);
  });

  test("Basic with a wrong secret or an unknown client: 401 invalid_client with a Basic challenge", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const wrong = await requestAs(tenant, "exporter", {}, "not-the-secret");
    assertError(wrong, 401, "invalid_client");
    assert.equal(wrong.headers.get("www-authenticate"), BASIC_CHALLENGE);

    const unknown = await requestAs(tenant, "nobody", {}, "whatever");
    assertError(unknown, 401, "invalid_client");
    assert.equal(unknown.headers.get("www-authenticate"), BASIC_CHALLENGE);
    // The same answer for both: the endpoint does not tell which client ids exist.
    assert.deepEqual(unknown.body, wrong.body);
  });

  test("client_secret_post with a wrong secret: 400 invalid_client, no challenge (RFC 6749 §5.2); no secret at all: 401 with one", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "exporter",
      client_secret: "not-the-secret",
    });
    assertError(res, 400, "invalid_client", /client authentication failed/);
    // A 401 would need a challenge (RFC 9110 §15.5.2), and a Basic one answers a scheme not used.
    assert.equal(res.headers.get("www-authenticate"), null);

    const noSecret = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "exporter",
    });
    assertError(noSecret, 401, "invalid_client", /no client_secret/);
    assert.equal(noSecret.headers.get("www-authenticate"), BASIC_CHALLENGE);
  });

  test("no credentials at all: 401 invalid_client", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await postForm(tokenUrl(tenant), { grant_type: "client_credentials" });
    assertError(res, 401, "invalid_client", /client authentication is required/);
  });

  test("a malformed Authorization header: 401 invalid_client with a Basic challenge", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const headers = [
      "Basic !!!not-base64!!!",
      `Basic ${Buffer.from("exporter-without-colon").toString("base64")}`,
      `Basic ${Buffer.from(":secret-without-id").toString("base64")}`,
      `Basic ${Buffer.from("%E0%A4%A:x").toString("base64")}`,
      "Basic",
      "Bearer some.jwt.token",
    ];
    for (const authorization of headers) {
      const res = await postForm(tokenUrl(tenant), { grant_type: "client_credentials" }, { authorization });
      assertError(res, 401, "invalid_client");
      assert.equal(res.headers.get("www-authenticate"), BASIC_CHALLENGE, authorization);
    }
  });

  test("Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1)", async (t) => {
    const files = tenantFiles();
    files["odd.yaml"] = `${API_HEADER("Application", "odd")}spec:
  type: m2m
  clientId: "odd.client_id-1"
  apis:
    orders: { scopes: ["read:orders"] }
`;
    const tenant = await serveTenant(t, files);
    const res = await postForm(
      tokenUrl(tenant),
      { grant_type: "client_credentials" },
      { authorization: basic("odd.client_id-1", secretOf(tenant, "odd")) },
    );
    assert.equal(claimsOf(assertToken(res)).client_id, "odd.client_id-1");
  });
});

describe("POST /oauth2/token: audiences and scopes", () => {
  test("several space-separated audiences: aud is an array of both, scope is the union", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "multi", { audience: `${ORDERS} ${BILLING}` });
    const claims = claimsOf(assertToken(res));
    assert.deepEqual(claims.aud, [ORDERS, BILLING]);
    assert.deepEqual(scopesOf(res), ["pay:invoices", "read:invoices", "read:orders"]);
    assert.equal(claims.scope, res.body.scope);
  });

  test("RFC 8707 resource, once and repeated", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const one = await requestAs(tenant, "multi", { resource: BILLING });
    assert.deepEqual(claimsOf(assertToken(one)).aud, [BILLING]);
    assert.deepEqual(scopesOf(one), ["pay:invoices", "read:invoices"]);

    const two = await requestAs(tenant, "multi", { resource: [ORDERS, BILLING] });
    assert.deepEqual(claimsOf(assertToken(two)).aud, [ORDERS, BILLING]);
    assert.deepEqual(scopesOf(two), ["pay:invoices", "read:invoices", "read:orders"]);

    // audience and resource together name one set of targets, without repeats.
    const mixed = await requestAs(tenant, "multi", { audience: ORDERS, resource: [BILLING, ORDERS] });
    assert.deepEqual(claimsOf(assertToken(mixed)).aud, [ORDERS, BILLING]);

    const unknown = await requestAs(tenant, "multi", { resource: [ORDERS, UNKNOWN] });
    assertError(unknown, 400, "invalid_target", /unknown audience https:\/\/nobody\.example/);
  });

  test("a scope subset narrows the token", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "exporter", { scope: "read:orders" });
    const claims = claimsOf(assertToken(res));
    assert.equal(res.body.scope, "read:orders");
    assert.equal(claims.scope, "read:orders");
    assert.deepEqual(claims.scp, ["read:orders"]);
    assert.deepEqual(claims.permissions, ["read:orders"]);

    const acrossAudiences = await requestAs(tenant, "multi", {
      audience: `${ORDERS} ${BILLING}`,
      scope: "read:orders pay:invoices",
    });
    assertToken(acrossAudiences);
    assert.deepEqual(scopesOf(acrossAudiences), ["pay:invoices", "read:orders"]);
  });

  test("a scope that is not enabled: 400 invalid_scope naming it", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "exporter", { scope: "read:orders cancel:orders" });
    assertError(res, 400, "invalid_scope", /cancel:orders/);
    assert.doesNotMatch(String(res.body.error_description), /read:orders/);

    // A scope of another Api, and one that exists nowhere.
    const other = await requestAs(tenant, "exporter", { scope: "read:invoices no:such" });
    assertError(other, 400, "invalid_scope", /scopes read:invoices, no:such are not enabled/);

    // Enabled at billing, but only orders is asked for.
    const elsewhere = await requestAs(tenant, "multi", { audience: ORDERS, scope: "pay:invoices" });
    assertError(elsewhere, 400, "invalid_scope", /pay:invoices/);
  });

  test("an audience the app is not authorized for, or an unknown one: 400 invalid_target", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const notAuthorized = await requestAs(tenant, "exporter", { audience: BILLING });
    assertError(
      notAuthorized,
      400,
      "invalid_target",
      /not authorized for the audience https:\/\/billing\.example/,
    );

    const nobodys = await requestAs(tenant, "exporter", { audience: HR });
    assertError(nobodys, 400, "invalid_target", /hr\.example/);

    const unknown = await requestAs(tenant, "exporter", { audience: UNKNOWN });
    assertError(unknown, 400, "invalid_target", /unknown audience https:\/\/nobody\.example/);

    // One bad audience among good ones refuses the whole request.
    const mixed = await requestAs(tenant, "exporter", { audience: `${ORDERS} ${BILLING}` });
    assertError(mixed, 400, "invalid_target");
  });

  test("no audience: the only authorized Api by default; with two, 400 invalid_request", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const single = await requestAs(tenant, "exporter");
    assert.deepEqual(claimsOf(assertToken(single)).aud, [ORDERS]);
    assert.deepEqual(scopesOf(single), ["read:orders", "write:orders"]);

    const two = await requestAs(tenant, "multi");
    assertError(two, 400, "invalid_request", /audience is required/);
  });

  test("a regular application may not use client_credentials: 400 unauthorized_client", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "webapp", { audience: ORDERS });
    assertError(res, 400, "unauthorized_client", /regular application/);
  });
});

describe("POST /oauth2/token: malformed requests", () => {
  test("grant types: password is unsupported, a missing grant_type is invalid", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const password = await requestAs(tenant, "exporter", {
      grant_type: "password",
      username: "u",
      password: "p",
    });
    assertError(password, 400, "unsupported_grant_type", /password is not supported/);

    const missing = await postForm(
      tokenUrl(tenant),
      { audience: ORDERS },
      { authorization: basic("exporter", secretOf(tenant, "exporter")) },
    );
    assertError(missing, 400, "invalid_request", /grant_type is required/);

    // An empty value counts as absent (RFC 6749 §3.1).
    const empty = await requestAs(tenant, "exporter", { grant_type: "" });
    assertError(empty, 400, "invalid_request", /grant_type is required/);
  });

  test("a JSON body: 400 invalid_request", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await fetch(tokenUrl(tenant), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: basic("exporter", secretOf(tenant, "exporter")),
      },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    const reply: Reply = {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as Record<string, unknown>,
    };
    assertError(reply, 400, "invalid_request", /application\/x-www-form-urlencoded/);
  });

  test("a repeated scope parameter: 400 invalid_request naming it", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "exporter", { scope: ["read:orders", "write:orders"] });
    assertError(res, 400, "invalid_request", /parameter scope is given more than once/);

    const audiences = await requestAs(tenant, "multi", { audience: [ORDERS, BILLING] });
    assertError(audiences, 400, "invalid_request", /parameter audience/);
  });

  test("a body over 8 KB: 413 invalid_request", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "exporter", { padding: "x".repeat(9 * 1024) });
    assertError(res, 413, "invalid_request", /larger than 8kb/);

    // Just under the limit is read normally.
    const under = await requestAs(tenant, "exporter", { padding: "x".repeat(7 * 1024) });
    assertToken(under);
  });

  test("GET /oauth2/token: 405 with Allow: POST", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await fetch(`${tokenUrl(tenant)}?grant_type=client_credentials`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    assert.equal(((await res.json()) as { error: string }).error, "invalid_request");
  });
});

describe("POST /oauth2/token: the access token (RFC 9068)", () => {
  test("header and claims, verified against GET /.well-known/jwks.json", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const jwksRes = await fetch(`${tenant.url}/.well-known/jwks.json`);
    assert.equal(jwksRes.status, 200);
    const jwks = (await jwksRes.json()) as JSONWebKeySet;

    const before = Math.floor(Date.now() / 1000);
    const res = await requestAs(tenant, "exporter");
    const token = assertToken(res);
    assert.equal(res.body.expires_in, 900);

    const header = decodeProtectedHeader(token);
    assert.equal(header.typ, "at+jwt");
    assert.equal(typeof header.kid, "string");
    assert.ok(
      jwks.keys.some((k) => k.kid === header.kid),
      "the token's kid is published in the JWKS",
    );

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: tenant.issuer,
      audience: ORDERS,
      typ: "at+jwt",
    });
    assert.equal(protectedHeader.kid, header.kid);
    assert.equal(payload.iss, tenant.issuer);
    assert.equal(payload.sub, "exporter");
    assert.deepEqual(payload.aud, [ORDERS]);
    assert.equal(payload.client_id, "exporter");
    assert.equal(payload.azp, "exporter");
    assert.equal(typeof payload.jti, "string");
    assert.ok(String(payload.jti).length > 0);
    const iat = Number(payload.iat);
    assert.ok(iat >= before && iat <= Math.floor(Date.now() / 1000) + 1, `iat ${iat}`);
    assert.equal(Number(payload.exp) - iat, 900);
    assert.equal(payload.scope, "read:orders write:orders");
    assert.deepEqual(payload.scp, ["read:orders", "write:orders"]);
    assert.deepEqual(payload.permissions, ["read:orders", "write:orders"]);
    assert.deepEqual(Object.keys(payload).sort(), [
      "aud",
      "azp",
      "client_id",
      "exp",
      "iat",
      "iss",
      "jti",
      "permissions",
      "scope",
      "scp",
      "sub",
    ]);

    // A token signed for the JWKS is refused for another audience.
    await assert.rejects(
      jwtVerify(token, createLocalJWKSet(jwks), { issuer: tenant.issuer, audience: BILLING }),
    );
  });

  test("no permissions claim without includeApiScopesInPermissions; the default lifetime otherwise", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const res = await requestAs(tenant, "multi", { audience: BILLING });
    const claims = claimsOf(assertToken(res));
    assert.equal("permissions" in claims, false);
    assert.deepEqual(claims.scp, ["pay:invoices", "read:invoices"]);
    // Settings.accessTokenLifetimeSeconds defaults to one hour.
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
    assert.equal(res.body.expires_in, 3600);
  });
});

describe("POST /oauth2/token: after an apply", () => {
  test("`all` scopes follow a scope the Api gains in a later apply", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const before = await requestAs(tenant, "multi", { audience: BILLING });
    assert.deepEqual(scopesOf(before), ["pay:invoices", "read:invoices"]);

    const revision = await tenant.apply(
      tenantFiles({
        billingScopes: `[{ name: "read:invoices" }, { name: "pay:invoices" }, { name: "refund:invoices" }]`,
      }),
    );
    await tenant.served(revision);
    const after = await requestAs(tenant, "multi", { audience: BILLING });
    assert.deepEqual(scopesOf(after), ["pay:invoices", "read:invoices", "refund:invoices"]);
    assert.deepEqual([...(claimsOf(assertToken(after)).scp as string[])].sort(), scopesOf(after));

    // A listed (not `all`) grant does not follow.
    const exporter = await requestAs(tenant, "exporter");
    assert.deepEqual(scopesOf(exporter), ["read:orders", "write:orders"]);
  });

  test("a disabled application: 401 invalid_client; the others keep working", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    assertToken(await requestAs(tenant, "spare"));

    const revision = await tenant.apply(tenantFiles({ spare: spare("  disabled: true\n") }));
    await tenant.served(revision);
    const basicRes = await requestAs(tenant, "spare");
    assertError(basicRes, 401, "invalid_client", /disabled/);
    assert.equal(basicRes.headers.get("www-authenticate"), BASIC_CHALLENGE);
    const postRes = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "spare",
      client_secret: secretOf(tenant, "spare"),
    });
    assertError(postRes, 400, "invalid_client", /disabled/);
    assert.equal(postRes.headers.get("www-authenticate"), null);

    assertToken(await requestAs(tenant, "exporter"));
    assertToken(await requestAs(tenant, "multi", { audience: ORDERS }));
  });

  test("a deleted application: 401 invalid_client; the others keep working", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    assertToken(await requestAs(tenant, "spare"));

    const revision = await tenant.apply(tenantFiles({ spare: null }));
    await tenant.served(revision);
    const res = await requestAs(tenant, "spare");
    assertError(res, 401, "invalid_client", /client authentication failed/);
    assert.equal(res.headers.get("www-authenticate"), BASIC_CHALLENGE);

    assertToken(await requestAs(tenant, "exporter"));
    assertToken(await requestAs(tenant, "multi", { audience: BILLING }));
  });
});

describe("POST /oauth2/token: token reuse", () => {
  test("identical requests within the window share a token; other scopes or a new revision do not", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const first = await requestAs(tenant, "exporter");
    const second = await requestAs(tenant, "exporter");
    const token = assertToken(first);
    assert.equal(assertToken(second), token);
    assert.ok(Number(second.body.expires_in) <= 900 && Number(second.body.expires_in) > 0);
    assert.equal(Number(claimsOf(token).exp) - Number(claimsOf(token).iat), 900);

    // Basic and post are the same client: same token.
    const viaPost = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "exporter",
      client_secret: secretOf(tenant, "exporter"),
    });
    assert.equal(assertToken(viaPost), token);

    const narrower = await requestAs(tenant, "exporter", { scope: "read:orders" });
    const narrowToken = assertToken(narrower);
    assert.notEqual(narrowToken, token);
    assert.equal(claimsOf(narrowToken).scope, "read:orders");
    // The narrower token is itself reused.
    assert.equal(assertToken(await requestAs(tenant, "exporter", { scope: "read:orders" })), narrowToken);

    // Another client never gets the exporter's token.
    const other = assertToken(await requestAs(tenant, "spare"));
    assert.equal(claimsOf(other).client_id, "spare");

    const revision = await tenant.apply(
      tenantFiles({
        billingScopes: `[{ name: "read:invoices" }, { name: "pay:invoices" }, { name: "refund:invoices" }]`,
      }),
    );
    await tenant.served(revision);
    const afterApply = assertToken(await requestAs(tenant, "exporter"));
    assert.notEqual(afterApply, token);
    assert.notEqual(claimsOf(afterApply).jti, claimsOf(token).jti);
  });

  test("tokenReuseSeconds 0: every request gets a new token", async (t) => {
    const tenant = await serveTenant(t, tenantFiles(), { tokenReuseSeconds: 0 });
    const first = assertToken(await requestAs(tenant, "exporter"));
    const second = assertToken(await requestAs(tenant, "exporter"));
    assert.notEqual(claimsOf(first).jti, claimsOf(second).jti);
    assert.notEqual(first, second);
  });
});

describe("POST /oauth2/token: failed authentication rate limit", () => {
  test("after 3 failures the client id is refused from this address (429 + Retry-After), others are not", async (t) => {
    const tenant = await serveTenant(t, tenantFiles(), { failedAuth: { points: 3, durationSeconds: 60 } });
    for (let i = 0; i < 3; i++) {
      const res = await requestAs(tenant, "exporter", {}, `wrong-${i}`);
      assertError(res, 401, "invalid_client");
    }
    // Even the right secret is refused until the window ends.
    const limited = await requestAs(tenant, "exporter");
    assertError(limited, 429, "invalid_client", /too many failed client authentications/);
    const retryAfter = limited.headers.get("retry-after") ?? "";
    assert.match(retryAfter, /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);

    // The post method counts against the same client id.
    const viaPost = await postForm(tokenUrl(tenant), {
      grant_type: "client_credentials",
      client_id: "exporter",
      client_secret: secretOf(tenant, "exporter"),
    });
    assertError(viaPost, 429, "invalid_client");

    // Another client id from the same address is not limited.
    assertToken(await requestAs(tenant, "multi", { audience: ORDERS }));
  });

  test("successful requests are not counted, and errors after authentication are not failures", async (t) => {
    const tenant = await serveTenant(t, tenantFiles(), { failedAuth: { points: 3, durationSeconds: 60 } });
    for (let i = 0; i < 5; i++) assertToken(await requestAs(tenant, "exporter"));
    for (let i = 0; i < 5; i++) {
      assertError(await requestAs(tenant, "exporter", { scope: "cancel:orders" }), 400, "invalid_scope");
    }
    assertToken(await requestAs(tenant, "exporter"));
  });
});
