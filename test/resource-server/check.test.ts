/**
 * The one check (ResourceServer.check) on hostile and malformed requests, with a local key set so that
 * each token differs from a good one in exactly the field under test: the answers of RFC 6750 §3 (status,
 * error code, WWW-Authenticate with RFC 9728's resource_metadata), credentials in two places or in the
 * URL, tokens of the wrong type, issuer, audience, time or algorithm, scope claims of the wrong shape,
 * CORS preflights, and requests of no operation.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { bearerChallenge } from "../../src/resource-server/bearer.ts";
import {
  type Decision,
  type ProtectedRequest,
  ResourceServer,
} from "../../src/resource-server/resource-server.ts";
import { RouteTable } from "../../src/resource-server/route-table.ts";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "https://api.example.com/catalog";
const METADATA = "https://api.example.com/.well-known/oauth-protected-resource/catalog";
const ok = { responses: { "200": { description: "ok" } } };
const routes = RouteTable.fromDocument({
  openapi: "3.0.3",
  servers: [{ url: AUDIENCE }],
  paths: { "/products": { get: ok, post: ok }, "/search": { options: ok } },
});

const { publicKey, privateKey } = await generateKeyPair("RS256");
const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
const other = await generateKeyPair("RS256");

function server(extra: Partial<ConstructorParameters<typeof ResourceServer>[0]> = {}) {
  return new ResourceServer({ issuer: ISSUER, audience: AUDIENCE, keys: { keys: [jwk] }, routes, ...extra });
}

interface SignOptions {
  typ?: string;
  key?: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  kid?: string;
  drop?: string[];
}

async function sign(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: [AUDIENCE],
    sub: "robot",
    client_id: "robot",
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    scope: "get:products",
    ...claims,
  };
  for (const name of options.drop ?? []) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", typ: options.typ ?? "at+jwt", kid: options.kid ?? "k1" })
    .sign(options.key ?? privateKey);
}

const request = (
  headers: Record<string, string> = {},
  more: Partial<ProtectedRequest> = {},
): ProtectedRequest => ({
  method: "GET",
  path: "/catalog/products",
  headers,
  ...more,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function refusal(decision: Decision) {
  assert.equal(decision.outcome, "refuse", JSON.stringify(decision));
  return decision.outcome === "refuse" ? decision.refusal : assert.fail();
}

async function refused(rs: ResourceServer, req: ProtectedRequest, code: string, message?: RegExp) {
  const r = refusal(await rs.check(req));
  assert.equal(r.code, code, r.message);
  if (message) assert.match(r.message, message);
  return rs.refusalResponse(r);
}

describe("ResourceServer.check", { timeout: 60_000 }, () => {
  test("a good token with the operation's scope is allowed, with who it is and what it needed", async () => {
    const decision = await server().check(request(bearer(await sign())));
    assert.equal(decision.outcome, "allow");
    if (decision.outcome !== "allow") return;
    assert.equal(decision.principal.subject, "robot");
    assert.equal(decision.principal.clientId, "robot");
    assert.deepEqual(decision.requiredScopes, ["get:products"]);
    assert.equal(decision.route?.operation.path, "/products");
  });

  test("no credentials: 401, a challenge with resource_metadata and no error code (RFC 6750 §3.1)", async () => {
    const answer = await refused(server(), request(), "resource.no-token");
    assert.equal(answer.status, 401);
    assert.equal(answer.headers["www-authenticate"], `Bearer resource_metadata="${METADATA}"`);
    assert.equal(answer.headers["cache-control"], "no-store");
  });

  test("insufficient scope: 403 naming the scope the operation needs", async () => {
    const rs = server({ name: "catalog" });
    const answer = await refused(
      rs,
      request(bearer(await sign({ scope: "post:products" }))),
      "resource.insufficient-scope",
    );
    assert.equal(answer.status, 403);
    assert.equal(
      answer.headers["www-authenticate"],
      `Bearer realm="catalog", error="insufficient_scope", error_description="this call needs the scope get:products", scope="get:products", resource_metadata="${METADATA}"`,
    );
    assert.equal(answer.body.scope, "get:products");
  });

  test("two credentials, a malformed Bearer, a token in the URL: 400 invalid_request; another scheme: 401", async () => {
    const token = await sign();
    const rs = server();
    await refused(
      rs,
      request({ ...bearer(token), "x-api-key": "sck_x" }),
      "resource.invalid-request",
      /two credentials/,
    );
    const basic = await refused(
      rs,
      request({ authorization: "Basic cm9ib3Q6eA==" }),
      "resource.no-token",
      /not Basic/,
    );
    assert.equal(basic.status, 401);
    assert.equal(basic.headers["www-authenticate"], `Bearer resource_metadata="${METADATA}"`);
    await refused(rs, request({ authorization: "Bearer" }), "resource.invalid-request");
    await refused(rs, request({ authorization: "Bearer two tokens" }), "resource.invalid-request");
    const inUrl = await refused(
      rs,
      request({}, { query: `access_token=${token}` }),
      "resource.invalid-request",
      /URL/,
    );
    assert.equal(inUrl.status, 400);
    assert.doesNotMatch(JSON.stringify(inUrl), new RegExp(token.slice(20, 40)));
  });

  test("tokens that differ from a good one in one field: 401 invalid_token, saying which", async () => {
    const rs = server();
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ["typ JWT (an ID token's)", sign({}, { typ: "JWT" }), /not an access token/],
      ["another audience", sign({ aud: ["https://api.example.com/orders"] }), /not for this API/],
      ["another issuer", sign({ iss: "https://evil.example" }), /not from this issuer/],
      ["expired", sign({ exp: now - 60, iat: now - 120 }), /expired/],
      ["not yet valid", sign({ nbf: now + 120 }), /not valid yet/],
      ["another key, same kid", sign({}, { key: other.privateKey }), /signature does not verify/],
      ["an unknown kid", sign({}, { kid: "k2" }), /key the issuer does not publish/],
      ["no client_id (RFC 9068)", sign({}, { drop: ["client_id"] }), /client_id/],
      ["no jti", sign({}, { drop: ["jti"] }), /jti/],
      ["no exp", sign({}, { drop: ["exp"] }), /exp/],
      [
        "scope neither string nor list",
        sign({ scope: 42 as unknown as string }),
        /neither a space-separated string/,
      ],
    ];
    for (const [name, token, why] of cases) {
      const answer = await refused(rs, request(bearer(await token)), "resource.invalid-token", why);
      assert.equal(answer.status, 401, name);
      assert.match(answer.headers["www-authenticate"] ?? "", /error="invalid_token"/, name);
    }
    // alg none and HS256 with the public key as secret: refused before any key is looked at.
    const [, payload] = (await sign()).split(".");
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString("base64url")}.${payload}.`;
    await refused(rs, request(bearer(none)), "resource.invalid-token");
    const hs = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: "x",
      client_id: "x",
      jti: "j",
      scope: "get:products",
    })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "k1" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await refused(rs, request(bearer(hs)), "resource.invalid-token", /algorithm/);
    await refused(rs, request(bearer("not.a.jwt")), "resource.invalid-token", /not a valid JWT/);
  });

  test("the clock tolerance: 5 s by default, configurable", async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await sign({ exp: now - 2, iat: now - 100 });
    assert.equal((await server().check(request(bearer(justExpired)))).outcome, "allow");
    await refused(
      server({ clockToleranceSeconds: 0 }),
      request(bearer(justExpired)),
      "resource.invalid-token",
      /expired/,
    );
  });

  test("scopes from scope (default), scp or permissions; one claim only", async () => {
    const scp = await sign({ scope: undefined, scp: ["get:products"] });
    await refused(server(), request(bearer(scp)), "resource.insufficient-scope");
    assert.equal((await server({ scopeClaim: "scp" }).check(request(bearer(scp)))).outcome, "allow");
    const permissions = await sign({ scope: "", permissions: ["get:products"] });
    assert.equal(
      (await server({ scopeClaim: "permissions" }).check(request(bearer(permissions)))).outcome,
      "allow",
    );
    await refused(
      server({ scopeClaim: "scp" }),
      request(bearer(await sign())),
      "resource.insufficient-scope",
    );
  });

  test("API keys are refused when the API takes none; an X-API-Key that is no scopectl key is refused", async () => {
    await refused(
      server(),
      request({ "x-api-key": "sck_0123abcd_secret" }),
      "resource.invalid-token",
      /does not take API keys/,
    );
    await refused(
      server(),
      request(bearer("sck_0123abcd_secret")),
      "resource.invalid-token",
      /does not take API keys/,
    );
    await refused(
      server(),
      request({ "x-api-key": await sign() }),
      "resource.invalid-token",
      /no scopectl API key/,
    );
  });

  test("CORS preflights pass; a spec's own OPTIONS operation is still checked", async () => {
    const preflight = { origin: "https://app.example", "access-control-request-method": "POST" };
    assert.deepEqual(await server().check(request(preflight, { method: "OPTIONS" })), {
      outcome: "pass",
      why: "preflight",
    });
    await refused(
      server(),
      request(preflight, { method: "OPTIONS", path: "/catalog/search" }),
      "resource.no-token",
    );
    // Not a preflight (no Access-Control-Request-Method): an OPTIONS the path has no operation for.
    await refused(
      server(),
      request({ origin: "https://app.example" }, { method: "OPTIONS" }),
      "resource.method-not-allowed",
    );
  });

  test("no operation: 404 by default, passed on with unmatched: pass; a bad path: 400", async () => {
    const rs = server();
    const answer = await refused(rs, request({}, { path: "/catalog/nowhere" }), "resource.no-operation");
    assert.equal(answer.status, 404);
    assert.equal(answer.headers["www-authenticate"], undefined);
    assert.deepEqual(await rs.check(request({}, { path: "/catalog/nowhere" }), { unmatched: "pass" }), {
      outcome: "pass",
      why: "no-operation",
    });
    await refused(
      rs,
      request({}, { path: "/catalog/%E0%A4" }),
      "resource.invalid-request",
      /percent-encoding/,
    );
  });

  test("requireScopes: every listed scope is needed, and all are named when one is missing", async () => {
    const rs = server();
    const token = await sign({ scope: "read:orders" });
    const needs = { requiredScopes: ["read:orders", "read:invoices"] };
    const r = refusal(await rs.check(request(bearer(token), { path: "/anything" }), needs));
    assert.deepEqual(r.requiredScopes, ["read:orders", "read:invoices"]);
    assert.match(
      rs.refusalResponse(r).headers["www-authenticate"] ?? "",
      /scope="read:orders read:invoices"/,
    );
    const both = await sign({ scope: "read:invoices read:orders" });
    assert.equal((await rs.check(request(bearer(both), { path: "/anything" }), needs)).outcome, "allow");
  });

  test("the challenge never lets a value end its quoted-string or split the header", () => {
    const header = bearerChallenge({
      error: "invalid_token",
      description: 'a "quoted"\r\nX-Injected: 1\\ é',
    });
    assert.equal(header, 'Bearer error="invalid_token", error_description="a quotedX-Injected: 1 "');
  });

  test("a known path with another method: 405 with Allow, in either unmatched mode, whatever the method", async () => {
    const rs = server();
    for (const unmatched of ["refuse", "pass"] as const) {
      for (const method of ["DELETE", "PROPFIND", "PURGE"]) {
        const r = refusal(await rs.check(request({}, { method }), { unmatched }));
        assert.equal(r.code, "resource.method-not-allowed", `${method} ${unmatched}`);
        const answer = rs.refusalResponse(r);
        assert.equal(answer.status, 405);
        assert.equal(answer.headers.allow, "GET, POST, HEAD");
        assert.equal(answer.headers["www-authenticate"], undefined);
      }
    }
  });

  test("options: none and HMAC algorithms are refused when the server is made", () => {
    for (const algorithms of [["none"], ["RS256", "HS256"], []]) {
      assert.throws(() => server({ algorithms }), TypeError, JSON.stringify(algorithms));
    }
  });
});
