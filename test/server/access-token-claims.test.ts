/**
 * What an access token must carry to be honoured, checked with tokens signed by the server's own key
 * (so only the claim under test is wrong): `exp` is required (RFC 9068 §2.2: a token without it would be
 * honoured forever), and a user token's grant (`sid`) must be its own client's. Over HTTP against the
 * real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type JWTPayload, SignJWT } from "jose";
import { ACCESS_TOKEN_TYPE, verifyAccessToken } from "../../src/server/oauth/access-token.ts";
import type { Snapshot } from "../../src/server/snapshot.ts";
import { ORDERS, serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, claimsOf, postForm, serveTenant } from "../support/token-server.ts";
import { introspectAsWeb, signInAtWeb, userinfo } from "../support/user-tokens.ts";

const MANAGEMENT = "http://localhost:8080/v1";

/** Signs `claims` as the server signs access tokens; `exp` only when given. */
async function signAsServer(snapshot: Snapshot, claims: JWTPayload, exp?: number): Promise<string> {
  const { signer } = snapshot.keys;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, typ: ACCESS_TOKEN_TYPE, kid: signer.kid })
    .setIssuer(snapshot.issuer)
    .setIssuedAt()
    .setJti(randomUUID());
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(signer.key);
}

describe("an access token needs exp", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the server's own key without exp: refused by verifyAccessToken, /v1 and introspection", async (t) => {
    const tenant = await serveTenant(t, {
      "apis.yaml": `${API_HEADER("Api", "management")}spec:\n  audience: ${MANAGEMENT}\n  scopes: [{ name: "read:users" }]\n`,
      "apps.yaml": `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  apis:\n    management: { scopes: all }\n`,
    });
    const snapshot = tenant.server.snapshot();
    const claims = { sub: "robot", client_id: "robot", aud: [MANAGEMENT], scope: "read:users" };
    const later = Math.floor(Date.now() / 1000) + 600;
    const control = await signAsServer(snapshot, claims, later);
    const forever = await signAsServer(snapshot, claims);

    await verifyAccessToken(snapshot, control);
    await assert.rejects(verifyAccessToken(snapshot, forever), /"exp" claim/);
    const list = (token: string) =>
      fetch(`${tenant.url}/v1/users`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await list(control)).status, 200);
    assert.equal((await list(forever)).status, 401);
    const secret = tenant.secrets.get("robot") ?? assert.fail("no secret for robot");
    const introspect = (token: string) =>
      postForm(`${tenant.url}/oauth2/introspect`, { token }, { authorization: basic("robot", secret) });
    assert.equal((await introspect(control)).body.active, true);
    assert.deepEqual((await introspect(forever)).body, { active: false });
  });
});

describe("a user token's sign-in is its client's", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a token naming another client than its grant's is refused at userinfo and introspection", async (t) => {
    const user = await serveUserTenant(t);
    // For orders, which spa is authorized for too: only the grant's client tells the two apart.
    const tokens = await signInAtWeb(user, { scope: "openid email read:orders", audience: ORDERS });
    const real = claimsOf(tokens.access_token);
    assert.equal((await userinfo(user.issuer, tokens.access_token)).status, 200);
    assert.equal((await introspectAsWeb(user, tokens.access_token)).active, true);

    const snapshot = user.tenant.server.snapshot();
    const { iat: _iat, jti: _jti, iss: _iss, exp, ...rest } = real;
    const crossed = await signAsServer(snapshot, { ...rest, client_id: "spa", azp: "spa" }, Number(exp));
    assert.equal((await userinfo(user.issuer, crossed)).status, 401);
    assert.deepEqual(await introspectAsWeb(user, crossed), { active: false });
  });
});
