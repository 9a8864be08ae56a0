/**
 * Acceptance 3 of the users issue, the browser side: what `GET /oauth2/authorize` and `POST
 * /oauth2/login` refuse, and how. PKCE is required (S256 only); an unregistered redirect URI never gets
 * a redirect; `state` and `iss` come back unchanged; the login form is protected against cross-site
 * submission; failed sign-ins are rate-limited and do not tell which accounts exist; the page itself is
 * accessible and locked down. Each over HTTP against the real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calculatePkce } from "../support/pkce.ts";
import {
  authorizeUrl,
  type LoginPage,
  openAuthorize,
  PASSWORD,
  serveUserTenant,
  signIn,
  submitLogin,
  userTenantFiles,
  WEB_REDIRECT,
} from "../support/sign-in.ts";
import { serveTenant } from "../support/token-server.ts";

/** The redirect of a refused authorization request: back to the web app, with error, state and iss. */
function errorRedirect(
  page: { status: number; location?: string; html: string },
  issuer: string,
  error: string,
  state: string,
): URL {
  assert.equal(page.status, 302, page.html.slice(0, 300));
  const location = new URL(page.location ?? assert.fail("no Location"));
  assert.equal(`${location.origin}${location.pathname}`, WEB_REDIRECT);
  assert.equal(location.searchParams.get("error"), error, location.href);
  assert.equal(location.searchParams.get("state"), state);
  assert.equal(location.searchParams.get("iss"), issuer);
  assert.equal(location.searchParams.get("code"), null);
  return location;
}

/** A page that explains a refused request: HTML, the status, and no redirect anywhere. */
function assertErrorPage(
  page: { status: number; location?: string; html: string },
  status: number,
  text: RegExp,
): void {
  assert.equal(page.status, status, page.html.slice(0, 300));
  assert.equal(page.location, undefined, "an untrusted request is never redirected");
  assert.match(page.html, /^<!doctype html>/);
  assert.match(page.html, text);
}

/** The text of the login page's error message. */
const errorMessageOf = (html: string): string =>
  /<p class="error" id="login-error" role="alert">([^<]*)<\/p>/.exec(html)?.[1] ??
  assert.fail(`no error message in ${html.slice(0, 500)}`);

async function loginPage(issuer: string, state?: string): Promise<LoginPage> {
  const page = await openAuthorize(authorizeUrl(issuer, state !== undefined ? { state } : {}).url);
  assert.equal(page.status, 200, page.html.slice(0, 300));
  assert.ok(page.csrfToken && page.cookie, "the login page has a form token and sets a cookie");
  return page;
}

describe("PKCE at the authorization endpoint", () => {
  test("a request without code_challenge is sent back with invalid_request, state and iss", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await openAuthorize(authorizeUrl(issuer, { pkce: null, state: "no-pkce" }).url);
    const location = errorRedirect(page, issuer, "invalid_request", "no-pkce");
    assert.match(location.searchParams.get("error_description") ?? "", /code_challenge/);
  });

  test("code_challenge_method=plain is refused with invalid_request", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const { verifier } = calculatePkce();
    const { url } = authorizeUrl(issuer, {
      pkce: { verifier, challenge: verifier, method: "plain" },
      state: "plain",
    });
    const location = errorRedirect(await openAuthorize(url), issuer, "invalid_request", "plain");
    assert.match(location.searchParams.get("error_description") ?? "", /S256/);
  });

  test("a code_challenge without code_challenge_method (plain by default) is refused", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const { url } = authorizeUrl(issuer, { state: "no-method" });
    url.searchParams.delete("code_challenge_method");
    assert.ok(url.searchParams.has("code_challenge"));
    errorRedirect(await openAuthorize(url), issuer, "invalid_request", "no-method");
  });

  test("a malformed S256 code_challenge is refused with invalid_request", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const good = calculatePkce().challenge;
    const malformed = {
      short: good.slice(0, 42),
      long: `${good}A`,
      "standard base64 with padding": `${Buffer.from(good, "base64url").toString("base64")}`,
      "a character outside base64url": `${good.slice(0, 42)}.`,
    };
    for (const [what, challenge] of Object.entries(malformed)) {
      const { url } = authorizeUrl(issuer, { pkce: { verifier: "", challenge }, state: what });
      const location = errorRedirect(await openAuthorize(url), issuer, "invalid_request", what);
      assert.match(location.searchParams.get("error_description") ?? "", /code_challenge/, what);
    }
  });
});

describe("redirect URIs and clients the server cannot trust", () => {
  test("an unregistered redirect_uri gets a 400 page and no redirect, even with another error", async (t) => {
    const { issuer } = await serveUserTenant(t);
    for (const pkce of [undefined, null]) {
      const { url } = authorizeUrl(issuer, {
        redirectUri: "https://evil.example/callback",
        ...(pkce === null ? { pkce } : {}),
      });
      const page = await openAuthorize(url);
      assertErrorPage(page, 400, /is not registered for the application/);
      assert.equal(page.csrfToken, undefined, "no login form");
    }
  });

  test("a near miss of the registered redirect_uri is not registered (exact string match)", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const nearMisses = [
      `${WEB_REDIRECT}/`,
      "https://web.example:8443/callback",
      "https://web.example:443/callback",
      `${WEB_REDIRECT}?next=/admin`,
      "http://web.example/callback",
      "https://WEB.example/callback",
      "https://web.example/Callback",
      "https://web.example.evil.example/callback",
    ];
    for (const redirectUri of nearMisses) {
      const page = await openAuthorize(authorizeUrl(issuer, { redirectUri }).url);
      assertErrorPage(page, 400, /is not registered for the application/);
    }
  });

  test("an unknown client_id gets an error page, not a redirect", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await openAuthorize(authorizeUrl(issuer, { clientId: "nobody" }).url);
    assertErrorPage(page, 400, /There is no application with the client id &quot;nobody&quot;/);
  });

  test("a machine-to-machine client gets an error page, not a redirect", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await openAuthorize(authorizeUrl(issuer, { clientId: "robot" }).url);
    assertErrorPage(page, 400, /machine-to-machine application; it cannot sign users in/);
  });

  test("an HTML-special client_id is escaped on the error page", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const clientId = `<script>alert("x")</script>&<b>`;
    const page = await openAuthorize(authorizeUrl(issuer, { clientId }).url);
    assertErrorPage(page, 400, /There is no application/);
    assert.doesNotMatch(page.html, /<script|<b>/i);
    assert.match(page.html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;&lt;b&gt;/);
  });
});

describe("state and iss", () => {
  const awkward = [
    "with spaces  and a + plus",
    "ünïcødé ✓ 日本語 🙂",
    "&=?#%/;:@",
    "x&state=forged&code=forged&iss=https://evil.example",
    "%26%3D already-encoded %20",
  ];

  test("state comes back unchanged on a successful sign-in, with iss equal to the issuer", async (t) => {
    const { issuer } = await serveUserTenant(t);
    for (const state of awkward) {
      const { redirect } = await signIn(issuer, { state });
      assert.equal(`${redirect.origin}${redirect.pathname}`, WEB_REDIRECT);
      assert.deepEqual(redirect.searchParams.getAll("state"), [state]);
      assert.deepEqual(redirect.searchParams.getAll("iss"), [issuer]);
      assert.equal(redirect.searchParams.getAll("code").length, 1);
      assert.notEqual(redirect.searchParams.get("code"), "forged");
    }
  });

  test("state comes back unchanged on an error redirect, with iss equal to the issuer", async (t) => {
    const { issuer } = await serveUserTenant(t);
    for (const state of awkward) {
      const page = await openAuthorize(authorizeUrl(issuer, { state, pkce: null }).url);
      const location = errorRedirect(page, issuer, "invalid_request", state);
      assert.deepEqual(location.searchParams.getAll("state"), [state]);
      assert.deepEqual(location.searchParams.getAll("iss"), [issuer]);
    }
  });
});

describe("the login form's CSRF protection", () => {
  const credentials = { email: "alice@example.com", password: PASSWORD };

  /** A refused submission: 403, the refusal page, no redirect (so no code). */
  function assertRefused(answer: Awaited<ReturnType<typeof submitLogin>>): void {
    assertErrorPage(answer, 403, /Sign-in form refused/);
  }

  test("a submission without csrf_token is refused with 403", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer);
    assertRefused(await submitLogin(issuer, credentials, page.cookie));
  });

  test("a submission with the form token but without the cookie is refused with 403", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer);
    assertRefused(await submitLogin(issuer, { csrf_token: page.csrfToken ?? "", ...credentials }, undefined));
  });

  test("a form token submitted with another browser's cookie is refused with 403", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const first = await loginPage(issuer);
    const second = await loginPage(issuer);
    assert.notEqual(first.cookie, second.cookie, "two browsers, two cookies");
    assertRefused(
      await submitLogin(issuer, { csrf_token: first.csrfToken ?? "", ...credentials }, second.cookie),
    );
    assertRefused(
      await submitLogin(issuer, { csrf_token: second.csrfToken ?? "", ...credentials }, first.cookie),
    );
    // Each with its own cookie: signed in.
    const own = await submitLogin(
      issuer,
      { csrf_token: first.csrfToken ?? "", ...credentials },
      first.cookie,
    );
    assert.equal(own.status, 303, own.html.slice(0, 300));
  });

  test("a tampered form token is refused with 403", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer, "tamper");
    const [header, payload, signature] = (page.csrfToken ?? "").split(".");
    assert.ok(header && payload && signature, "the form token is a JWS");
    const at = Math.floor(payload.length / 2);
    const flipped = `${payload.slice(0, at)}${payload[at] === "A" ? "B" : "A"}${payload.slice(at + 1)}`;
    const tampered = [header, flipped, signature].join(".");
    assertRefused(await submitLogin(issuer, { csrf_token: tampered, ...credentials }, page.cookie));
    // A token whose request was swapped for another (state changed, signature kept) is refused too.
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    claims.req.state = "forged";
    const rewritten = [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(
      ".",
    );
    assertRefused(await submitLogin(issuer, { csrf_token: rewritten, ...credentials }, page.cookie));
  });

  test("a form token from another server (other signing keys, same issuer) is refused with 403", async (t) => {
    // Two servers configured with the same issuer: only their signing keys differ.
    const issuer = "https://login.example";
    const [one, other] = await Promise.all([
      serveTenant(t, userTenantFiles(issuer)),
      serveTenant(t, userTenantFiles(issuer)),
    ]);
    assert.equal(one.issuer, other.issuer);
    const page = await openAuthorize(authorizeUrl(one.url).url);
    assert.equal(page.status, 200, page.html.slice(0, 300));
    const form = { csrf_token: page.csrfToken ?? "", email: "nobody@example.com", password: "x" };
    // The server that made the token takes the form (and refuses the unknown user with 400) ...
    assert.equal((await submitLogin(one.url, form, page.cookie)).status, 400);
    // ... the other refuses the form itself.
    assertRefused(await submitLogin(other.url, form, page.cookie));
  });
});

describe("sign-in refusals", () => {
  test("a disabled user with the right password gets 403 with a clear message and no code", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer);
    const answer = await submitLogin(
      issuer,
      { csrf_token: page.csrfToken ?? "", email: "carol@example.com", password: PASSWORD },
      page.cookie,
    );
    assert.equal(answer.status, 403, answer.html.slice(0, 300));
    assert.equal(answer.location, undefined);
    assert.match(errorMessageOf(answer.html), /This account is disabled/);
  });

  test("a wrong password and an unknown email get the same status and the same message", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer);
    const attempt = (email: string, password: string) =>
      submitLogin(issuer, { csrf_token: page.csrfToken ?? "", email, password }, page.cookie);
    const wrongPassword = await attempt("alice@example.com", "not the password");
    const unknownEmail = await attempt("nobody@example.com", PASSWORD);
    assert.equal(wrongPassword.status, 400);
    assert.equal(unknownEmail.status, wrongPassword.status);
    assert.equal(errorMessageOf(unknownEmail.html), errorMessageOf(wrongPassword.html));
    assert.equal(wrongPassword.location, undefined);
    assert.equal(unknownEmail.location, undefined);
  });

  test("after too many failures for one account from one address it gets 429 with Retry-After; other accounts still sign in", async (t) => {
    const { issuer } = await serveUserTenant(t, {
      failedLogin: { pairPoints: 3, addressPoints: 100, windowSeconds: 60 },
    });
    const page = await loginPage(issuer);
    const attempt = (email: string, password: string) =>
      submitLogin(issuer, { csrf_token: page.csrfToken ?? "", email, password }, page.cookie);
    for (let i = 0; i < 3; i++) assert.equal((await attempt("alice@example.com", `wrong ${i}`)).status, 400);

    // The 4th attempt is refused before the password is checked: even the right one.
    const limited = await attempt("ALICE@example.com", PASSWORD);
    assert.equal(limited.status, 429, limited.html.slice(0, 300));
    assert.equal(limited.location, undefined);
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60,
      `Retry-After ${retryAfter}`,
    );
    assert.match(errorMessageOf(limited.html), /Too many failed sign-ins\. Try again in 1 minute\./);

    const bob = await attempt("bob@example.com", PASSWORD);
    assert.equal(bob.status, 303, "another account from the same address still signs in");
  });

  test("after too many failures from one address, every account from it gets 429", async (t) => {
    const { issuer } = await serveUserTenant(t, {
      failedLogin: { pairPoints: 100, addressPoints: 2, windowSeconds: 60 },
    });
    const page = await loginPage(issuer);
    const attempt = (email: string, password: string) =>
      submitLogin(issuer, { csrf_token: page.csrfToken ?? "", email, password }, page.cookie);
    assert.equal((await attempt("alice@example.com", "wrong")).status, 400);
    assert.equal((await attempt("nobody@example.com", "wrong")).status, 400);

    const bob = await attempt("bob@example.com", PASSWORD);
    assert.equal(bob.status, 429, bob.html.slice(0, 300));
    assert.ok(Number(bob.headers.get("retry-after")) > 0);
    assert.match(errorMessageOf(bob.html), /Try again in/);
    assert.equal(bob.location, undefined);
  });
});

describe("the login page", () => {
  test("labels, autocomplete, lang, no script, a strict CSP and no caching", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const res = await fetch(authorizeUrl(issuer).url, { redirect: "manual" });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/);
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.doesNotMatch(html, /<script/i);

    const inputs = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]);
    const visible = inputs.filter((input) => !/type="hidden"/.test(input));
    assert.equal(visible.length, 2, "email and password");
    for (const input of visible) {
      const id = /\bid="([^"]+)"/.exec(input)?.[1] ?? assert.fail(`no id: ${input}`);
      assert.match(html, new RegExp(`<label for="${id}">`), `a label for #${id}`);
      assert.match(input, /\bautocomplete="[a-z-]+"/, `autocomplete on #${id}`);
    }
    assert.match(html, /autocomplete="username"/);
    assert.match(html, /autocomplete="current-password"/);

    const csp = res.headers.get("content-security-policy") ?? assert.fail("no CSP");
    assert.ok(!csp.includes(","), `one policy, not several: ${csp}`);
    assert.match(csp, /(^|; )form-action 'self' https:\/\/web\.example(;|$)/);
    assert.match(csp, /(^|; )default-src 'none'(;|$)/);
    assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  test("an HTML-special email is escaped when the page shows it again", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const page = await loginPage(issuer);
    const email = `<script>alert(1)</script>"><img src=x>@x.y`;
    const answer = await submitLogin(
      issuer,
      { csrf_token: page.csrfToken ?? "", email, password: "wrong password" },
      page.cookie,
    );
    assert.equal(answer.status, 400);
    assert.doesNotMatch(answer.html, /<script|<img/i);
    assert.match(
      answer.html,
      /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&gt;&lt;img src=x&gt;@x\.y"/,
    );
  });
});
