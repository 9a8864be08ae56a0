/**
 * Issue 12, defect 6 (the token endpoint's half): RFC 8707 §2 `resource` values must be absolute URIs
 * without a fragment, else `invalid_target`, at every grant that takes them (client_credentials, the code
 * exchange, refresh) and at /oauth2/authorize. `audience` keeps taking identifiers. At the code exchange
 * and at refresh a resource narrows the token to some of the grant's audiences, never beyond them. Over
 * HTTP against the real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authorizeUrl,
  CATALOG,
  ORDERS,
  openAuthorize,
  serveUserTenant,
  signIn,
  type UserTenant,
  userTenantFiles,
} from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, claimsOf, postForm } from "../support/token-server.ts";
import {
  assertOAuthError,
  codeOf,
  postAsWeb,
  refreshAsWeb,
  signInAtWeb,
  tokensOf,
} from "../support/user-tokens.ts";

/** An Api whose audience is an identifier, not a URI (docs/manifests.md allows both for `audience`). */
const LEGACY = "orders-legacy";

function tenantFiles(issuer: string): Record<string, string> {
  const files = userTenantFiles(issuer);
  const apps = files["apps.yaml"] ?? assert.fail("no apps.yaml");
  assert.ok(apps.includes("    orders: { scopes: all }\n"));
  return {
    ...files,
    "legacy.yaml": `${API_HEADER("Api", "legacy")}spec:\n  audience: ${LEGACY}\n  scopes: [{ name: "read:legacy" }]\n`,
    "apps.yaml": apps.replaceAll(
      "    orders: { scopes: all }\n",
      "    orders: { scopes: all }\n    legacy: { scopes: all }\n",
    ),
  };
}

function robotToken(user: UserTenant, form: Record<string, string | string[]>) {
  const secret = user.tenant.secrets.get("robot") ?? assert.fail("no secret for robot");
  return postForm(
    `${user.issuer}/oauth2/token`,
    { grant_type: "client_credentials", ...form },
    { authorization: basic("robot", secret) },
  );
}

/** The malformed resources, and what the error must say about each. */
const MALFORMED: [string, RegExp][] = [
  [LEGACY, /absolute URI/],
  ["/orders", /absolute URI/],
  ["//api.example.com/orders", /absolute URI/],
  [`${ORDERS}#v1`, /fragment/],
  [`${ORDERS}#`, /fragment/],
];

describe("resource must be an absolute URI without a fragment (RFC 8707 §2)", {
  timeout: SUITE_TIMEOUT_MS,
}, () => {
  test("client_credentials: a malformed resource gets invalid_target naming it; audience takes identifiers", async (t) => {
    const user = await serveUserTenant(t, {}, tenantFiles);
    for (const [resource, why] of MALFORMED) {
      const answer = await robotToken(user, { resource });
      assertOAuthError(answer, 400, "invalid_target");
      assert.match(String(answer.body.error_description), why, resource);
      assert.ok(String(answer.body.error_description).includes(resource), resource);
      assert.equal(answer.headers.get("cache-control"), "no-store");
    }
    // Also when it comes with a good one.
    assertOAuthError(await robotToken(user, { resource: [ORDERS, LEGACY] }), 400, "invalid_target");
    assert.deepEqual(claimsOf(tokensOf(await robotToken(user, { resource: ORDERS })).access_token).aud, [
      ORDERS,
    ]);
    assert.deepEqual(claimsOf(tokensOf(await robotToken(user, { audience: LEGACY })).access_token).aud, [
      LEGACY,
    ]);
  });

  test("/oauth2/authorize: a malformed resource goes back to the client as invalid_target", async (t) => {
    const user = await serveUserTenant(t, {}, tenantFiles);
    for (const [resource] of MALFORMED) {
      const { url } = authorizeUrl(user.issuer, { extra: { resource } });
      const page = await openAuthorize(url);
      assert.equal(page.status, 302, `${resource}: ${page.html.slice(0, 200)}`);
      const back = new URL(page.location ?? assert.fail("no location"));
      assert.equal(back.searchParams.get("error"), "invalid_target", resource);
      assert.equal(back.searchParams.get("state"), "state-123");
    }
    // An identifier audience is still fine as `audience`.
    const page = await openAuthorize(authorizeUrl(user.issuer, { audience: LEGACY }).url);
    assert.equal(page.status, 200, page.html.slice(0, 200));
  });

  test("code exchange: a malformed resource gets invalid_target", async (t) => {
    const user = await serveUserTenant(t, {}, tenantFiles);
    for (const [resource] of MALFORMED) {
      const { redirect, verifier } = await signIn(user.issuer, { audience: ORDERS });
      const answer = await postAsWeb(user, {
        grant_type: "authorization_code",
        code: codeOf(redirect),
        code_verifier: verifier ?? assert.fail("no verifier"),
        redirect_uri: "https://web.example/callback",
        resource,
      });
      assertOAuthError(answer, 400, "invalid_target");
    }
  });

  test("refresh: a malformed resource gets invalid_target, and the refresh token stays good", async (t) => {
    const user = await serveUserTenant(t, {}, tenantFiles);
    const tokens = await signInAtWeb(user, { audience: ORDERS });
    const refreshToken = tokens.refresh_token ?? assert.fail("no refresh token");
    for (const [resource] of MALFORMED) {
      const answer = await postAsWeb(user, {
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        resource,
      });
      assertOAuthError(answer, 400, "invalid_target");
    }
    tokensOf(await refreshAsWeb(user, refreshToken));
  });
});

describe("resource at the code exchange and refresh narrows to the grant's audiences", {
  timeout: 60_000,
}, () => {
  test("a refresh for one of two granted audiences gets a token for it alone; another audience is invalid_target", async (t) => {
    const user = await serveUserTenant(t, {}, tenantFiles);
    const tokens = await signInAtWeb(user, {
      scope: "openid offline_access",
      audience: `${ORDERS} ${CATALOG}`,
    });
    assert.deepEqual(claimsOf(tokens.access_token).aud, [ORDERS, CATALOG]);
    const refreshToken = tokens.refresh_token ?? assert.fail("no refresh token");

    // The web client is authorized for the legacy Api too, but the sign-in was not for it.
    const outside = await postAsWeb(user, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      audience: LEGACY,
    });
    assertOAuthError(outside, 400, "invalid_target");
    assert.match(
      String(outside.body.error_description),
      /the sign-in was not for the audience orders-legacy/,
    );
    const catalog = tokensOf(
      await postAsWeb(user, { grant_type: "refresh_token", refresh_token: refreshToken, resource: CATALOG }),
    );
    const claims = claimsOf(catalog.access_token);
    assert.deepEqual(claims.aud, [CATALOG]);
    assert.deepEqual(claims.permissions, ["read:products"]);
    assert.equal(catalog.scope, "openid offline_access read:products");
  });
});
