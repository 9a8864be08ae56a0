/**
 * Acceptance 3 of the users issue, the code exchange: `POST /oauth2/token` with grant_type
 * authorization_code. The code is single-use and bound to its client, its redirect URI and its PKCE
 * challenge; a code presented twice revokes what it issued. Public clients (a spa) redeem with their
 * client_id alone, confidential ones must authenticate, and the token and userinfo endpoints answer
 * browsers from the spa's origin only. Each over HTTP against the real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calculatePkce } from "../support/pkce.ts";
import { SPA_REDIRECT, serveUserTenant, signIn, type UserTenant, WEB_REDIRECT } from "../support/sign-in.ts";
import { basic, postForm } from "../support/token-server.ts";
import {
  assertOAuthError,
  codeOf,
  introspectAsWeb,
  redeemCode,
  refreshAsWeb,
  tokensOf,
  userinfo,
} from "../support/user-tokens.ts";

const SPA_ORIGIN = new URL(SPA_REDIRECT).origin;

/** Alice signed in at `web`: the code and its verifier. */
async function webCode(user: UserTenant, scope = "openid profile email offline_access") {
  const { redirect, verifier } = await signIn(user.issuer, { scope });
  return { code: codeOf(redirect), verifier: verifier ?? assert.fail("no verifier") };
}

/** Alice signed in at the spa: the code and its verifier. */
async function spaCode(user: UserTenant) {
  const { redirect, verifier } = await signIn(user.issuer, {
    clientId: "spa",
    redirectUri: SPA_REDIRECT,
    scope: "openid offline_access",
  });
  assert.equal(`${redirect.origin}${redirect.pathname}`, SPA_REDIRECT);
  return { code: codeOf(redirect), verifier: verifier ?? assert.fail("no verifier") };
}

const spaExchange = (user: UserTenant, code: string, verifier: string, extra: Record<string, string> = {}) =>
  postForm(`${user.issuer}/oauth2/token`, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: SPA_REDIRECT,
    client_id: "spa",
    ...extra,
  });

describe("the code exchange", () => {
  test("a wrong code_verifier gets invalid_grant, and spends the code", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await webCode(user);
    assertOAuthError(await redeemCode(user, code, calculatePkce().verifier), 400, "invalid_grant");
    assertOAuthError(await redeemCode(user, code, verifier), 400, "invalid_grant");
  });

  test("a code redeemed twice gets invalid_grant, and what its first exchange issued is revoked", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await webCode(user);
    const first = tokensOf(await redeemCode(user, code, verifier));
    const refreshToken = first.refresh_token ?? assert.fail("offline_access asked: a refresh token");
    assert.equal((await introspectAsWeb(user, first.access_token)).active, true);
    assert.equal((await userinfo(user.issuer, first.access_token)).status, 200);

    assertOAuthError(await redeemCode(user, code, verifier), 400, "invalid_grant");

    assertOAuthError(await refreshAsWeb(user, refreshToken), 400, "invalid_grant");
    assert.deepEqual(await introspectAsWeb(user, first.access_token), { active: false });
    const info = await userinfo(user.issuer, first.access_token);
    assert.equal(info.status, 401);
    assert.match(info.headers.get("www-authenticate") ?? "", /^Bearer .*error="invalid_token"/);
  });

  test("a redirect_uri other than the authorized one gets invalid_grant", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await webCode(user);
    assertOAuthError(await redeemCode(user, code, verifier, `${WEB_REDIRECT}/`), 400, "invalid_grant");
  });

  test("a code of one client redeemed by another gets invalid_grant", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await webCode(user);
    const answer = await postForm(`${user.issuer}/oauth2/token`, {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: WEB_REDIRECT,
      client_id: "spa",
    });
    assertOAuthError(answer, 400, "invalid_grant");
  });
});

describe("public and confidential clients at the token endpoint", () => {
  test("the spa redeems its code with its client_id alone (PKCE binds it) and refreshes the same way", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await spaCode(user);
    const tokens = tokensOf(await spaExchange(user, code, verifier));
    assert.ok(tokens.refresh_token);
    const refreshed = await postForm(`${user.issuer}/oauth2/token`, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "spa",
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });

  test("the spa sending a client_secret gets invalid_client (400 in the body, 401 with Basic), and the code stays good", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await spaCode(user);
    assertOAuthError(
      await spaExchange(user, code, verifier, { client_secret: "bogus" }),
      400,
      "invalid_client",
    );
    const basicAuth = await postForm(
      `${user.issuer}/oauth2/token`,
      { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: SPA_REDIRECT },
      { authorization: basic("spa", "bogus") },
    );
    assertOAuthError(basicAuth, 401, "invalid_client");
    assert.match(basicAuth.headers.get("www-authenticate") ?? "", /^Basic /);
    // A failed client authentication is refused before the code is looked at.
    tokensOf(await spaExchange(user, code, verifier));
  });

  test("the regular web client without its secret gets invalid_client (401)", async (t) => {
    const user = await serveUserTenant(t);
    const { code, verifier } = await webCode(user);
    const answer = await postForm(`${user.issuer}/oauth2/token`, {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: WEB_REDIRECT,
      client_id: "web",
    });
    assertOAuthError(answer, 401, "invalid_client");
    tokensOf(await redeemCode(user, code, verifier));
  });

  test("the spa cannot use client_credentials: invalid_client, with or without a secret", async (t) => {
    const user = await serveUserTenant(t);
    const url = `${user.issuer}/oauth2/token`;
    assertOAuthError(
      await postForm(url, { grant_type: "client_credentials", client_id: "spa" }),
      401,
      "invalid_client",
    );
    assertOAuthError(
      await postForm(url, { grant_type: "client_credentials", client_id: "spa", client_secret: "x" }),
      400,
      "invalid_client",
    );
  });
});

describe("CORS", () => {
  const exchangeFrom = async (user: UserTenant, origin: string) => {
    const { code, verifier } = await spaCode(user);
    const res = await fetch(`${user.issuer}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: SPA_REDIRECT,
        client_id: "spa",
      }),
    });
    await res.text();
    return res;
  };

  test("a token request from the spa's origin is allowed for that origin, without credentials", async (t) => {
    const user = await serveUserTenant(t);
    const res = await exchangeFrom(user, SPA_ORIGIN);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), SPA_ORIGIN);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });

  test("a token request from another origin gets no Access-Control-Allow-Origin", async (t) => {
    const user = await serveUserTenant(t);
    for (const origin of ["https://evil.example", "https://web.example", "https://spa.example:8443"]) {
      const res = await exchangeFrom(user, origin);
      assert.equal(res.headers.get("access-control-allow-origin"), null, origin);
    }
  });

  test("a preflight for userinfo from the spa's origin gets 204 with the allowed methods and headers", async (t) => {
    const user = await serveUserTenant(t);
    const preflight = (origin: string) =>
      fetch(`${user.issuer}/oauth2/userinfo`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    const res = await preflight(SPA_ORIGIN);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), SPA_ORIGIN);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /\bGET\b/);
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /\bAuthorization\b/i);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);

    const other = await preflight("https://evil.example");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });
});
