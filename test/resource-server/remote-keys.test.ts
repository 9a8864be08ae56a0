/**
 * The issuer's JWKS over HTTP (src/resource-server/remote-keys.ts), served on loopback by a server that
 * counts its fetches and can be made to fail: an unreachable JWKS is a 503 that is not asked again for
 * 5 s, and while it fails the keys of the last good fetch keep verifying tokens for at most an hour (the
 * API's clock is moved, not waited for); a token with a kid the cached set lacks
 * costs at most one fetch per jose's 30 s cooldown.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { ResourceServer } from "../../src/resource-server/resource-server.ts";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "https://api.example.com/orders";

let server: Server | undefined;
let jwksUri = "";
let fetches = 0;
let failing = false;
let published: JWK[] = [];
let clock = Date.now();

type Pair = Awaited<ReturnType<typeof generateKeyPair>>;
const keys = new Map<string, Pair>();

async function keyNamed(kid: string): Promise<JWK> {
  const pair = await generateKeyPair("ES256");
  keys.set(kid, pair);
  return { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256" };
}

function sign(kid: string): Promise<string> {
  const pair = keys.get(kid) ?? assert.fail(`no key ${kid}`);
  return new SignJWT({ scope: "read:orders", client_id: "c", sub: "c", jti: randomUUID() })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(pair.privateKey);
}

function api(cacheMaxAgeMs?: number) {
  return new ResourceServer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri,
    now: () => clock,
    ...(cacheMaxAgeMs !== undefined ? { jwksCacheMaxAgeMs: cacheMaxAgeMs } : {}),
  });
}

async function outcome(rs: ResourceServer, token: string): Promise<string> {
  const decision = await rs.check(
    { method: "GET", path: "/orders", headers: { authorization: `Bearer ${token}` } },
    { requiredScopes: ["read:orders"] },
  );
  return decision.outcome === "refuse" ? decision.refusal.code : decision.outcome;
}

describe("remote JWKS", { timeout: 60_000 }, () => {
  before(async () => {
    server = createServer((_req, res) => {
      fetches++;
      if (failing) {
        res.writeHead(500).end("down");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  beforeEach(async () => {
    fetches = 0;
    failing = false;
    clock = Date.now();
    published = [await keyNamed("k1")];
  });

  test("an unreachable JWKS: 503 with a fixed description, and no new fetch for 5 s", async () => {
    failing = true;
    const rs = api();
    const token = await sign("k1");
    assert.equal(await outcome(rs, token), "resource.unavailable");
    const decision = await rs.check(
      { method: "GET", path: "/", headers: { authorization: `Bearer ${token}` } },
      {
        requiredScopes: ["read:orders"],
      },
    );
    assert.equal(
      decision.outcome === "refuse" && decision.refusal.message,
      "the issuer's signing keys cannot be fetched",
    );
    for (let i = 0; i < 10; i++) await outcome(rs, token);
    assert.equal(fetches, 1);
    failing = false;
    clock += 6_000;
    assert.equal(await outcome(rs, token), "allow");
    assert.equal(fetches, 2);
  });

  test("while the JWKS fails, the last fetched keys verify for at most an hour", async () => {
    const rs = api(50);
    const token = await sign("k1");
    assert.equal(await outcome(rs, token), "allow");
    await new Promise((r) => setTimeout(r, 120)); // jose's cache (50 ms here) goes stale
    failing = true;
    assert.equal(await outcome(rs, token), "allow");
    clock += 61 * 60_000;
    assert.equal(await outcome(rs, token), "resource.unavailable");
  });

  test("unknown kids: jose fetches again at most once per cooldown, so a flood of made-up kids costs one fetch", async () => {
    const rs = api();
    assert.equal(await outcome(rs, await sign("k1")), "allow");
    published = [...published, await keyNamed("k2")];
    const unknown = await sign("k2");
    for (let i = 0; i < 20; i++) assert.equal(await outcome(rs, unknown), "resource.invalid-token");
    // The first fetch just happened: within jose's 30 s cooldown no new fetch is made for k2.
    assert.equal(fetches, 1);
    // A key set made after the rotation (or this one after the cooldown) fetches k2 and verifies it.
    assert.equal(await outcome(api(), unknown), "allow");
  });
});
