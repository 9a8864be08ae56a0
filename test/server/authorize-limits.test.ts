/**
 * Issue 12, a smaller item: an authorization request too large for the login form is refused up front,
 * at GET /oauth2/authorize, instead of showing a login page whose form post then fails with a 413. The
 * login form carries the request in its CSRF token, so each parameter has a limit (state, nonce, scope,
 * the targets, prompt) and the form token as a whole leaves room for the longest email and password the
 * page accepts, within the form body limit. The boundary is tested both ways. Over HTTP against the real
 * server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LOGIN_FIELD_LIMITS, LOGIN_FORM_TOKEN_LIMIT } from "../../src/server/login/login-form-token.ts";
import { AUTHORIZATION_PARAMETER_LIMITS } from "../../src/server/oauth/authorization-request.ts";
import { FORM_BODY_LIMIT, FORM_BODY_LIMIT_BYTES } from "../../src/server/oauth/body-errors.ts";
import {
  authorizeUrl,
  ORDERS,
  openAuthorize,
  PASSWORD,
  serveUserTenant,
  submitLogin,
  userTenantFiles,
  WEB_REDIRECT,
} from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const {
  state: STATE_MAX,
  nonce: NONCE_MAX,
  scope: SCOPE_MAX,
  targets: TARGETS_MAX,
} = AUTHORIZATION_PARAMETER_LIMITS;

/** `value` padded with spaces to `length` characters (spaces separate list entries: the value is unchanged). */
const padded = (value: string, length: number) => value + " ".repeat(length - value.length);

/** The most bytes a browser can send for the page's email and password: each character at its longest. */
function worstCaseCredentials() {
  return {
    // Browsers validate type=email as ASCII; `{` is percent-encoded (3 bytes) in a form body.
    email: "{".repeat(LOGIN_FIELD_LIMITS.email),
    // A character of 3 UTF-8 bytes is 9 bytes percent-encoded (one UTF-16 unit of maxlength).
    password: "€".repeat(LOGIN_FIELD_LIMITS.password),
  };
}

describe("the authorization request's size", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("every parameter at its limit: the login page, and a form post with the longest credentials fits", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const { url } = authorizeUrl(issuer, {
      state: "s".repeat(STATE_MAX),
      nonce: "n".repeat(NONCE_MAX),
      scope: padded("openid offline_access read:orders", SCOPE_MAX),
      audience: padded(ORDERS, TARGETS_MAX),
      extra: { prompt: "login" },
    });
    const page = await openAuthorize(url);
    assert.equal(page.status, 200, page.html.slice(0, 300));
    const csrfToken = page.csrfToken ?? assert.fail("no csrf_token");
    assert.ok(csrfToken.length <= LOGIN_FORM_TOKEN_LIMIT, `${csrfToken.length} > ${LOGIN_FORM_TOKEN_LIMIT}`);

    // The longest credentials the page takes: not a 413, but the page again (wrong password).
    const longest = { csrf_token: csrfToken, ...worstCaseCredentials() };
    const bytes = Buffer.byteLength(new URLSearchParams(longest).toString());
    assert.ok(bytes <= FORM_BODY_LIMIT_BYTES, `the form body is ${bytes} bytes, over ${FORM_BODY_LIMIT}`);
    const refused = await submitLogin(issuer, longest, page.cookie);
    assert.equal(refused.status, 400, refused.html.slice(0, 300));
    assert.match(refused.html, /The email or password is incorrect/);

    const answer = await submitLogin(
      issuer,
      { csrf_token: csrfToken, email: "alice@example.com", password: PASSWORD },
      page.cookie,
    );
    assert.equal(answer.status, 303, answer.html.slice(0, 300));
    const back = new URL(answer.location ?? assert.fail("no location"));
    assert.equal(back.searchParams.get("state"), "s".repeat(STATE_MAX));
    assert.ok(back.searchParams.get("code"));
  });

  test("the page's email and password fields have the limits the form token leaves room for", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await openAuthorize(authorizeUrl(issuer).url);
    assert.match(page.html, new RegExp(`id="email"[^>]*maxlength="${LOGIN_FIELD_LIMITS.email}"`));
    assert.match(page.html, new RegExp(`id="password"[^>]*maxlength="${LOGIN_FIELD_LIMITS.password}"`));
  });

  test("a state one character over its limit (or 9,000) goes back as invalid_request, without the state", async (t) => {
    const { issuer } = await serveUserTenant(t);
    for (const length of [STATE_MAX + 1, 9000]) {
      const page = await openAuthorize(authorizeUrl(issuer, { state: "s".repeat(length) }).url);
      assert.equal(page.status, 302, `state of ${length}: ${page.html.slice(0, 200)}`);
      assert.equal(page.csrfToken, undefined);
      const back = new URL(page.location ?? assert.fail("no location"));
      assert.equal(back.searchParams.get("error"), "invalid_request");
      assert.match(back.searchParams.get("error_description") ?? "", new RegExp(`state .*${STATE_MAX}`));
      assert.equal(back.searchParams.get("state"), null);
      assert.equal(back.searchParams.get("iss"), issuer);
    }
  });

  test("nonce, scope and the targets one character over: invalid_request naming the parameter, with the state", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const over = [
      ["nonce", { nonce: "n".repeat(NONCE_MAX + 1) }],
      ["scope", { scope: padded("openid", SCOPE_MAX + 1) }],
      ["audience", { audience: padded(ORDERS, TARGETS_MAX + 1) }],
      ["resource", { extra: { resource: `${ORDERS}?${"x".repeat(TARGETS_MAX)}` } }],
      ["prompt", { extra: { prompt: padded("login", AUTHORIZATION_PARAMETER_LIMITS.prompt + 1) } }],
    ] as const;
    for (const [name, params] of over) {
      const page = await openAuthorize(authorizeUrl(issuer, params).url);
      assert.equal(page.status, 302, `${name}: ${page.html.slice(0, 200)}`);
      const back = new URL(page.location ?? assert.fail("no location"));
      assert.equal(back.searchParams.get("error"), "invalid_request", name);
      assert.match(back.searchParams.get("error_description") ?? "", new RegExp(name), name);
      assert.equal(back.searchParams.get("state"), "state-123", name);
    }
  });

  test("with an untrusted redirect URI, an oversized request gets the error page, not a redirect", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await openAuthorize(
      authorizeUrl(issuer, { state: "s".repeat(9000), redirectUri: "https://evil.example/" }).url,
    );
    assert.equal(page.status, 400);
    assert.equal(page.location, undefined);
    assert.match(page.html, /is not registered/);
  });

  test("within every limit but too large with a long registered redirect URI: invalid_request before the page", async (t) => {
    const longRedirect = `${WEB_REDIRECT}/${"r".repeat(1500)}`;
    const files = (issuer: string) => {
      const base = userTenantFiles(issuer);
      const apps = base["apps.yaml"] ?? assert.fail("no apps.yaml");
      assert.ok(apps.includes(`["${WEB_REDIRECT}"]`));
      return {
        ...base,
        "apps.yaml": apps.replace(`["${WEB_REDIRECT}"]`, `["${WEB_REDIRECT}", "${longRedirect}"]`),
      };
    };
    const { issuer } = await serveUserTenant(t, {}, files);
    const params = {
      state: "s".repeat(STATE_MAX),
      nonce: "n".repeat(NONCE_MAX),
      scope: padded("openid", SCOPE_MAX),
      audience: padded(ORDERS, TARGETS_MAX),
    };
    // The same request to the short redirect URI is fine.
    assert.equal((await openAuthorize(authorizeUrl(issuer, params).url)).status, 200);

    const res = await fetch(authorizeUrl(issuer, { ...params, redirectUri: longRedirect }).url, {
      redirect: "manual",
    });
    await res.text();
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("set-cookie"), null);
    const back = new URL(res.headers.get("location") ?? assert.fail("no location"));
    assert.equal(`${back.origin}${back.pathname}`, longRedirect);
    assert.equal(back.searchParams.get("error"), "invalid_request");
    assert.match(back.searchParams.get("error_description") ?? "", /too large for the login form/);
    assert.equal(back.searchParams.get("state"), params.state);
  });
});
