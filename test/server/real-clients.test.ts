/**
 * Real clients against the real token service: openid-client v6 discovers the server and runs the
 * client credentials grant, and jose's remote JWKS verifier checks the token it gets, for each
 * signing algorithm Settings offers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import * as client from "openid-client";
import type { SigningAlg } from "../../src/model/desired.ts";
import { freePort } from "../support/net.ts";
import { API_HEADER, serveTenant } from "../support/token-server.ts";

const ORDERS = "https://orders.example";
const INVENTORY = "https://inventory.example";

function tenantFiles(issuer: string, alg: SigningAlg): Record<string, string> {
  return {
    "settings.yaml": `${API_HEADER("Settings", "default")}spec:\n  issuer: ${issuer}\n  signingAlg: ${alg}\n`,
    "apis.yaml": [
      `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }, { name: "write:orders" }]\n`,
      `${API_HEADER("Api", "inventory")}spec:\n  audience: ${INVENTORY}\n  scopes: [{ name: "read:stock" }]\n`,
    ].join("---\n"),
    "apps.yaml": `${API_HEADER("Application", "exporter")}spec:\n  type: m2m\n  apis:\n    orders: { scopes: ["read:orders"] }\n    inventory: { scopes: all }\n  tokens: { lifetimeSeconds: 600 }\n`,
  };
}

/** A tenant served at a fixed loopback port whose URL is the Settings issuer. */
async function serveAt(t: test.TestContext, alg: SigningAlg) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const tenant = await serveTenant(t, tenantFiles(issuer, alg), { port, issuer });
  assert.equal(tenant.url, issuer);
  assert.equal(tenant.issuer, issuer);
  return { tenant, issuer, secret: tenant.secrets.get("exporter") ?? assert.fail("no secret for exporter") };
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
const KEY_SHAPE: Record<SigningAlg, { kty: string; crv?: string }> = {
  RS256: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
};

async function getJson(url: string): Promise<{ res: Response; body: Record<string, unknown> }> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return { res, body: (await res.json()) as Record<string, unknown> };
}

function checkMetadata(body: Record<string, unknown>, issuer: string): void {
  assert.equal(body.issuer, issuer);
  assert.equal(body.token_endpoint, `${issuer}/oauth2/token`);
  assert.equal(body.jwks_uri, `${issuer}/.well-known/jwks.json`);
  assert.equal(body.introspection_endpoint, `${issuer}/oauth2/introspect`);
  assert.ok(Array.isArray(body.grant_types_supported));
  assert.ok((body.grant_types_supported as string[]).includes("client_credentials"));
  assert.deepEqual([...(body.token_endpoint_auth_methods_supported as string[])].sort(), [
    "client_secret_basic",
    "client_secret_post",
    "none",
  ]);
  // Introspection has no public clients: a caller must authenticate.
  assert.deepEqual(body.introspection_endpoint_auth_methods_supported, [
    "client_secret_basic",
    "client_secret_post",
  ]);
  assert.equal(body.authorization_endpoint, `${issuer}/oauth2/authorize`);
  assert.deepEqual(body.response_types_supported, ["code"]);
  assert.deepEqual(body.code_challenge_methods_supported, ["S256"]);
}

for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
  describe(`Settings.signingAlg ${alg}`, () => {
    test("both discovery documents carry the RFC 8414 fields and are cacheable", async (t) => {
      const { issuer } = await serveAt(t, alg);
      const oidc = await getJson(`${issuer}/.well-known/openid-configuration`);
      const oauth = await getJson(`${issuer}/.well-known/oauth-authorization-server`);
      for (const doc of [oidc, oauth]) {
        checkMetadata(doc.body, issuer);
        assert.match(doc.res.headers.get("cache-control") ?? "", /\bpublic\b.*\bmax-age=\d+/);
        assert.deepEqual(doc.body.access_token_signing_alg_values_supported, [alg]);
      }
      // OpenID Connect Discovery's required fields, at its path only.
      assert.deepEqual(oidc.body.subject_types_supported, ["public"]);
      assert.deepEqual(oidc.body.id_token_signing_alg_values_supported, [alg]);
      assert.ok(Array.isArray(oidc.body.response_types_supported));
    });

    test("the JWKS is cacheable, has the key type of the algorithm and no private member", async (t) => {
      const { issuer } = await serveAt(t, alg);
      const { res, body } = await getJson(`${issuer}/.well-known/jwks.json`);
      const cacheControl = res.headers.get("cache-control") ?? "";
      assert.match(cacheControl, /\bpublic\b/);
      assert.match(cacheControl, /\bmax-age=[1-9]\d*\b/);
      assert.doesNotMatch(cacheControl, /no-store|private/);
      const keys = body.keys as Record<string, unknown>[];
      assert.equal(keys.length, 1);
      const [key] = keys;
      assert.ok(key);
      assert.equal(key.kty, KEY_SHAPE[alg].kty);
      assert.equal(key.crv, KEY_SHAPE[alg].crv);
      assert.equal(key.alg, alg);
      assert.equal(key.use, "sig");
      assert.equal(typeof key.kid, "string");
      for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, `JWKS has "${member}"`);
    });

    for (const [method, auth] of [
      ["client_secret_post", client.ClientSecretPost],
      ["client_secret_basic", client.ClientSecretBasic],
    ] as const) {
      test(`openid-client discovers the server, gets a token with ${method}; jose's remote JWKS verifies it`, async (t) => {
        const { issuer, secret } = await serveAt(t, alg);
        const config = await client.discovery(new URL(issuer), "exporter", secret, auth(), {
          execute: [client.allowInsecureRequests],
        });
        const metadata = config.serverMetadata();
        checkMetadata(metadata as unknown as Record<string, unknown>, issuer);

        const response = await client.clientCredentialsGrant(config, { audience: ORDERS });
        assert.equal(response.token_type.toLowerCase(), "bearer");
        assert.equal(response.scope, "read:orders");
        assert.ok(response.expires_in !== undefined && response.expires_in > 0 && response.expires_in <= 600);
        const token = response.access_token;

        const header = decodeProtectedHeader(token);
        assert.equal(header.alg, alg);
        assert.equal(header.typ, "at+jwt");

        const JWKS = createRemoteJWKSet(new URL(String(metadata.jwks_uri)));
        const { payload, protectedHeader } = await jwtVerify(token, JWKS, {
          issuer,
          audience: ORDERS,
          typ: "at+jwt",
          algorithms: [alg],
        });
        const published = (await getJson(String(metadata.jwks_uri))).body.keys as { kid: string }[];
        assert.deepEqual(
          published.map((k) => k.kid),
          [protectedHeader.kid],
        );
        assert.equal(payload.iss, issuer);
        assert.deepEqual(payload.aud, [ORDERS]);
        assert.equal(payload.client_id, "exporter");
        assert.equal(payload.sub, "exporter");
        assert.equal(payload.scope, "read:orders");
        assert.equal(typeof payload.jti, "string");
        assert.ok(typeof payload.exp === "number" && typeof payload.iat === "number");
        assert.equal(payload.exp - payload.iat, 600);

        // The verifier refuses the token for another audience or issuer: these checks can fail.
        await assert.rejects(
          jwtVerify(token, JWKS, { issuer, audience: INVENTORY, typ: "at+jwt" }),
          errors.JWTClaimValidationFailed,
        );
        await assert.rejects(
          jwtVerify(token, JWKS, { issuer: "http://127.0.0.1:1", audience: ORDERS, typ: "at+jwt" }),
          errors.JWTClaimValidationFailed,
        );
      });
    }
  });
}

describe("openid-client against the server", () => {
  test("RFC 8414 discovery (algorithm oauth2) and two audiences in one token", async (t) => {
    const { issuer, secret } = await serveAt(t, "ES256");
    const config = await client.discovery(new URL(issuer), "exporter", secret, client.ClientSecretBasic(), {
      algorithm: "oauth2",
      execute: [client.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, issuer);
    const response = await client.clientCredentialsGrant(config, { audience: `${ORDERS} ${INVENTORY}` });
    assert.deepEqual(response.scope?.split(" ").sort(), ["read:orders", "read:stock"]);
    const JWKS = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    for (const audience of [ORDERS, INVENTORY]) {
      const { payload } = await jwtVerify(response.access_token, JWKS, { issuer, audience, typ: "at+jwt" });
      assert.deepEqual(payload.aud, [ORDERS, INVENTORY]);
    }
  });

  test("a wrong secret and an unknown audience surface as OAuth errors in the client", async (t) => {
    const { issuer, secret } = await serveAt(t, "EdDSA");
    const wrong = await client.discovery(
      new URL(issuer),
      "exporter",
      `${secret}x`,
      client.ClientSecretPost(),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    await assert.rejects(client.clientCredentialsGrant(wrong, { audience: ORDERS }), (error: unknown) => {
      assert.ok(error instanceof client.ResponseBodyError);
      assert.equal(error.error, "invalid_client");
      // client_secret_post failed: RFC 6749 §5.2's 400 (a 401 would carry a challenge for Basic).
      assert.equal(error.status, 400);
      return true;
    });
    const right = await client.discovery(new URL(issuer), "exporter", secret, client.ClientSecretPost(), {
      execute: [client.allowInsecureRequests],
    });
    await assert.rejects(
      client.clientCredentialsGrant(right, { audience: "https://nowhere.example" }),
      (error: unknown) => {
        assert.ok(error instanceof client.ResponseBodyError);
        assert.equal(error.error, "invalid_target");
        return true;
      },
    );
  });

  test("discovery refuses a server whose issuer is not the URL it was discovered from", async (t) => {
    const port = await freePort();
    // Served at 127.0.0.1:port, but its Settings name another issuer.
    const tenant = await serveTenant(t, tenantFiles("http://localhost:1", "RS256"), { port });
    assert.equal(tenant.issuer, "http://localhost:1");
    await assert.rejects(
      client.discovery(new URL(tenant.url), "exporter", "s", client.ClientSecretPost(), {
        execute: [client.allowInsecureRequests],
      }),
      /issuer/,
    );
  });
});
