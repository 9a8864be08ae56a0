/**
 * Acceptance 1 of the users issue: openid-client v6 runs the whole authorization code flow against the
 * real server over HTTP (discovery, an authorization URL with PKCE, the login form posted, the code
 * exchange, refresh, userinfo), and the tokens verify against the JWKS (jose's remote verifier) with the
 * claims of a user who has two roles and an additional scope.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as client from "openid-client";
import {
  CATALOG,
  ORDERS,
  openAuthorize,
  PASSWORD,
  serveUserTenant,
  submitLogin,
  WEB_REDIRECT,
} from "../support/sign-in.ts";
import { claimsOf } from "../support/token-server.ts";

/** Alice's effective scopes: support (read/cancel orders, read products) + auditor (read orders, invoices) + write:orders. */
const ALICE_ORDERS = ["cancel:orders", "read:invoices", "read:orders", "write:orders"];
const ALICE_CATALOG = ["read:products"];

async function discover(issuer: string, secret: string) {
  return client.discovery(new URL(issuer), "web", secret, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

/** The browser's part, driven over HTTP: open the authorization URL, post the login form. */
async function browserLogin(authorizationUrl: URL, email = "alice@example.com"): Promise<URL> {
  const page = await openAuthorize(authorizationUrl);
  assert.equal(page.status, 200);
  const answer = await submitLogin(
    authorizationUrl.origin,
    { csrf_token: page.csrfToken ?? "", email, password: PASSWORD },
    page.cookie,
  );
  assert.equal(answer.status, 303, answer.html);
  return new URL(answer.location ?? "");
}

describe("the authorization code flow with openid-client", () => {
  test("discovery, PKCE, login, code exchange, refresh and userinfo; tokens verify with the expected claims", async (t) => {
    const { issuer, webSecret } = await serveUserTenant(t);
    const config = await discover(issuer, webSecret);
    const metadata = config.serverMetadata();
    assert.equal(metadata.authorization_endpoint, `${issuer}/oauth2/authorize`);
    assert.equal(metadata.userinfo_endpoint, `${issuer}/oauth2/userinfo`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(metadata.scopes_supported, ["openid", "profile", "email", "offline_access"]);
    assert.deepEqual(metadata.response_types_supported, ["code"]);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    for (const grant of ["authorization_code", "refresh_token", "client_credentials"])
      assert.ok(metadata.grant_types_supported?.includes(grant), grant);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_REDIRECT,
      scope: "openid profile email offline_access",
      audience: `${ORDERS} ${CATALOG}`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    const callback = await browserLogin(authorizationUrl);
    assert.equal(`${callback.origin}${callback.pathname}`, WEB_REDIRECT);
    assert.equal(callback.searchParams.get("state"), state);
    assert.equal(callback.searchParams.get("iss"), issuer);

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri ?? ""));
    const { payload: access, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer,
      audience: ORDERS,
      typ: "at+jwt",
    });
    assert.equal(protectedHeader.typ, "at+jwt");
    assert.equal(access.sub, "alice");
    assert.equal(access.client_id, "web");
    assert.deepEqual(access.aud, [ORDERS, CATALOG]);
    const apiScopes = [...ALICE_CATALOG, ...ALICE_ORDERS].sort();
    assert.deepEqual([...(access.permissions as string[])].sort(), apiScopes);
    assert.deepEqual(
      [...(access.scp as string[])].sort(),
      ["email", "offline_access", "openid", "profile", ...apiScopes].sort(),
    );
    assert.equal(access.scope, (access.scp as string[]).join(" "));
    assert.equal(typeof access.sid, "string");
    assert.equal(tokens.scope, access.scope);

    const idClaims = tokens.claims() ?? assert.fail("no ID token claims");
    assert.equal(idClaims.sub, "alice");
    assert.equal(idClaims.aud, "web");
    assert.equal(idClaims.nonce, nonce);
    assert.equal(idClaims.email, "alice@example.com");
    assert.equal(idClaims.name, "Alice Martin");
    assert.equal(typeof idClaims.auth_time, "number");
    const { protectedHeader: idHeader } = await jwtVerify(tokens.id_token ?? "", jwks, {
      issuer,
      audience: "web",
    });
    assert.equal(idHeader.typ, "JWT");

    const info = await client.fetchUserInfo(config, tokens.access_token, "alice");
    assert.deepEqual(info, { sub: "alice", email: "alice@example.com", name: "Alice Martin" });

    assert.ok(tokens.refresh_token?.startsWith("scr_"));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? "");
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "the refresh token rotates");
    const { payload: again } = await jwtVerify(refreshed.access_token, jwks, { issuer, audience: CATALOG });
    assert.deepEqual([...(again.permissions as string[])].sort(), apiScopes);
    assert.equal(again.sid, access.sid, "one sign-in, one grant");
    assert.equal(refreshed.claims()?.sub, "alice");
    assert.equal(refreshed.claims()?.nonce, undefined, "a refreshed ID token carries no nonce");
  });

  test("a requested API scope narrows the token to it; an unrequested audience is not in it", async (t) => {
    const { issuer, webSecret } = await serveUserTenant(t);
    const config = await discover(issuer, webSecret);
    const verifier = client.randomPKCECodeVerifier();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_REDIRECT,
      scope: "openid read:orders write:products",
      audience: ORDERS,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "s",
    });
    // write:products is a scope of the catalog API, which was not requested: invalid_scope, back to the client.
    const refused = await openAuthorize(authorizationUrl);
    assert.equal(refused.status, 302);
    const location = new URL(refused.location ?? "");
    assert.equal(location.searchParams.get("error"), "invalid_scope");
    assert.equal(location.searchParams.get("state"), "s");

    const narrowUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_REDIRECT,
      scope: "openid read:orders",
      audience: ORDERS,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "s",
    });
    const tokens = await client.authorizationCodeGrant(
      config,
      await browserLogin(narrowUrl, "bob@example.com"),
      {
        pkceCodeVerifier: verifier,
        expectedState: "s",
      },
    );
    const claims = claimsOf(tokens.access_token);
    assert.equal(claims.sub, "bob");
    assert.deepEqual(claims.aud, [ORDERS]);
    assert.deepEqual(claims.scp, ["openid", "read:orders"]);
    assert.equal(tokens.refresh_token, undefined, "no offline_access, no refresh token");
  });
});
