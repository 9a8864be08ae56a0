/**
 * Signing key rotation while the token service runs: the served JWKS picks up the new key, tokens of
 * both keys verify with a remote JWKS verifier and introspect as active, and a retired key leaves the
 * JWKS once every token it signed has expired. Also: keys sealed with SCOPECTL_MASTER_KEY, and a server
 * that cannot open them refusing to start.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { pino } from "pino";
import type { SigningAlg } from "../../src/model/desired.ts";
import { RETIRE_GRACE_SECONDS, SigningKeys } from "../../src/server/keys/keyring.ts";
import { maxTokenLifetimeSeconds } from "../../src/server/keys/lifetime.ts";
import { decryptPrivateKey } from "../../src/server/keys/master-key.ts";
import { startTokenServer } from "../../src/server/server.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { runCli } from "../support/cli.ts";
import { API_HEADER, basic, postForm, type ServedTenant, serveTenant } from "../support/token-server.ts";

const ORDERS = "https://orders.example";
const LIFETIME = 60;
const MASTER = "rotation test master key";
const quiet = () => {};

/** Token lifetimes of 60 s everywhere, so that the longest token lifetime is 60 s. */
function tenantFiles(alg: SigningAlg): Record<string, string> {
  return {
    "t.yaml": [
      `${API_HEADER("Settings", "default")}spec:\n  signingAlg: ${alg}\n  accessTokenLifetimeSeconds: ${LIFETIME}\n`,
      `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }, { name: "write:orders" }]\n`,
      `${API_HEADER("Application", "exporter")}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n  tokens: { lifetimeSeconds: ${LIFETIME} }\n`,
    ].join("---\n"),
  };
}

async function tokenOf(tenant: ServedTenant, scope = "read:orders"): Promise<string> {
  const res = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", audience: ORDERS, scope },
    { authorization: basic("exporter", tenant.secrets.get("exporter") ?? "") },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

async function jwks(tenant: ServedTenant): Promise<{ kid: string; alg: string }[]> {
  const res = await fetch(`${tenant.url}/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { keys: { kid: string; alg: string }[] }).keys;
}

/** Polls the served JWKS until `done` holds for its kids (5 s at most). */
async function jwksUntil(
  tenant: ServedTenant,
  what: string,
  done: (kids: string[]) => boolean,
  timeoutMs = 5000,
): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const kids = (await jwks(tenant)).map((k) => k.kid);
    if (done(kids)) return kids;
    if (Date.now() > until) assert.fail(`the served JWKS never ${what}; it has ${kids.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function introspectAsExporter(tenant: ServedTenant, token: string): Promise<Record<string, unknown>> {
  const res = await postForm(
    `${tenant.url}/oauth2/introspect`,
    { token },
    { authorization: basic("exporter", tenant.secrets.get("exporter") ?? "") },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function verifyRemote(tenant: ServedTenant, token: string) {
  // A fresh verifier: one made before the rotation would wait out its refetch cooldown for the new kid.
  const JWKS = createRemoteJWKSet(new URL(`${tenant.url}/.well-known/jwks.json`));
  return jwtVerify(token, JWKS, { issuer: tenant.issuer, audience: ORDERS, typ: "at+jwt" });
}

describe("rotation while the server runs", () => {
  for (const [how, rotate] of [
    [
      "SigningKeys.rotate",
      async (tenant: ServedTenant, alg: SigningAlg) => {
        const keys = new SigningKeys(tenant.store, { warn: quiet });
        return (await keys.rotate(alg, maxTokenLifetimeSeconds(await tenant.store.listAll()))).kid;
      },
    ],
    [
      "scopectl keys rotate",
      async (tenant: ServedTenant) => {
        const result = runCli(["keys", "rotate", "--store", tenant.storeFile], {
          env: { SCOPECTL_MASTER_KEY: "" },
        });
        assert.equal(result.status, 0, result.stderr);
        const kid = /New signing key (\S+)/.exec(result.stdout)?.[1];
        return kid ?? assert.fail(`no kid in: ${result.stdout}`);
      },
    ],
  ] as const) {
    test(`${how}: new tokens get the new kid, old and new tokens verify and introspect as active`, async (t) => {
      const alg: SigningAlg = "ES256";
      const tenant = await serveTenant(t, tenantFiles(alg));
      const before = await jwks(tenant);
      assert.equal(before.length, 1);
      const oldToken = await tokenOf(tenant);
      const kidA = decodeProtectedHeader(oldToken).kid;
      assert.equal(kidA, before[0]?.kid);

      const kidB = await rotate(tenant, alg);
      assert.notEqual(kidB, kidA);
      // The signer leads the JWKS; the retired key stays published.
      const kids = await jwksUntil(tenant, "showed two keys", (k) => k.length === 2);
      assert.deepEqual(kids, [kidB, kidA]);

      // Same request as before: not the reused old token, a new one signed by the new key.
      const newToken = await tokenOf(tenant);
      assert.equal(decodeProtectedHeader(newToken).kid, kidB);
      assert.notEqual(newToken, oldToken);

      for (const token of [oldToken, newToken]) {
        const { payload } = await verifyRemote(tenant, token);
        assert.equal(payload.client_id, "exporter");
        const answer = await introspectAsExporter(tenant, token);
        assert.equal(answer.active, true);
        assert.equal(answer.client_id, "exporter");
      }

      const rows = await tenant.store.signingKeys();
      const retired = rows.find((r) => r.kid === kidA);
      assert.ok(retired?.retiredAt && retired.expiresAt);
      // Published until the longest token lifetime (+ grace) after the rotation.
      const published = (Date.parse(retired.expiresAt) - Date.parse(retired.retiredAt)) / 1000;
      assert.equal(published, LIFETIME + RETIRE_GRACE_SECONDS);
    });
  }

  test("a retired key leaves the served JWKS once the tokens it signed have expired", async (t) => {
    const alg: SigningAlg = "EdDSA";
    const tenant = await serveTenant(t, tenantFiles(alg));
    const kidA = (await jwks(tenant))[0]?.kid;
    // Rotate as if it happened (lifetime + grace - 1.5 s) ago: key A's retirement ends 1.5 s from now.
    const lifetime = maxTokenLifetimeSeconds(await tenant.store.listAll());
    assert.equal(lifetime, LIFETIME);
    const ago = (lifetime + RETIRE_GRACE_SECONDS) * 1000 - 1500;
    const keys = new SigningKeys(tenant.store, { warn: quiet, now: () => new Date(Date.now() - ago) });
    const { kid: kidB, retired } = await keys.rotate(alg, lifetime);
    assert.deepEqual(retired, [kidA]);
    await jwksUntil(tenant, "showed two keys", (k) => k.length === 2);

    const kids = await jwksUntil(tenant, "dropped the expired key", (k) => k.length === 1, 6000);
    assert.deepEqual(kids, [kidB]);
    // And a new token still comes from the active key.
    assert.equal(decodeProtectedHeader(await tokenOf(tenant)).kid, kidB);
  });
});

describe("SCOPECTL_MASTER_KEY", () => {
  test("the signing_keys row holds no private JWK; a server without the key refuses to start", async (t) => {
    const tenant = await serveTenant(t, tenantFiles("RS256"), { masterKey: MASTER });
    const token = await tokenOf(tenant);
    const kid = String(decodeProtectedHeader(token).kid);

    // The raw SQLite row, as anyone with the file would read it.
    const db = new Database(tenant.storeFile, { readonly: true, fileMustExist: true });
    const rows = db.prepare("SELECT * FROM signing_keys").all() as Record<string, unknown>[];
    db.close();
    assert.equal(rows.length, 1);
    const row = rows[0] ?? assert.fail("no row");
    assert.equal(row.kid, kid);
    assert.equal(row.encrypted, 1);
    const text = JSON.stringify(row);
    const privateJwk = await decryptPrivateKey(String(row.private_key), kid, MASTER);
    for (const member of ["d", "p", "q", "dp", "dq", "qi"]) {
      assert.equal(typeof privateJwk[member], "string", member);
      assert.equal(text.includes(String(privateJwk[member])), false, `the row holds "${member}"`);
      assert.doesNotMatch(text, new RegExp(`\\\\?"${member}\\\\?"\\s*:`), `the row has a "${member}" member`);
    }
    assert.equal(text.includes(MASTER), false);

    // A second server on the same file: without the master key it refuses, naming the kid and the fix.
    const second = await openSqliteStore(tenant.storeFile);
    t.after(() => second.close());
    const silent = pino({ level: "silent" });
    await assert.rejects(
      startTokenServer({ store: second, logger: silent, masterKey: undefined }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`signing key ${kid} is encrypted at rest`));
        assert.match(error.message, /set SCOPECTL_MASTER_KEY/);
        assert.equal(error.message.includes(String(privateJwk.d)), false);
        return true;
      },
    );
    await assert.rejects(
      startTokenServer({ store: second, logger: silent, masterKey: "not the master key" }),
      new RegExp(`SCOPECTL_MASTER_KEY does not decrypt signing key ${kid}`),
    );
    // With the right key it serves the same signing key.
    const replica = await startTokenServer({ store: second, logger: silent, masterKey: MASTER });
    t.after(() => replica.close());
    assert.equal(replica.snapshot().keys.signer.kid, kid);
    const JWKS = createRemoteJWKSet(new URL(`${replica.url}/.well-known/jwks.json`));
    await jwtVerify(token, JWKS, { issuer: tenant.issuer, audience: ORDERS });
  });
});
