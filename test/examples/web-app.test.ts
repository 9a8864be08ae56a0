/**
 * The example web app (examples/web-app) over HTTP, without a browser: its orders API (a resource server
 * that verifies scopectl's access tokens and requires read:orders, through scopectl/express), its
 * settings, and the error paths of its sign-in.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createWebApp } from "../../examples/web-app/app.mjs";
import { CATALOG, ORDERS, signIn } from "../support/sign-in.ts";
import { basic, postForm } from "../support/token-server.ts";
import { CLIENT_ID, type ServedWebApp, serveWebApp } from "./serve-web-app.ts";

/** RFC 9728 §5.1: every challenge of the middleware points at the API's metadata. */
const ORDERS_METADATA = "https://api.example.com/.well-known/oauth-protected-resource/orders";

async function robotToken({ tenant }: ServedWebApp, scope: string): Promise<string> {
  const secret = tenant.tenant.secrets.get("robot") ?? assert.fail("no secret for robot");
  const res = await postForm(
    `${tenant.issuer}/oauth2/token`,
    { grant_type: "client_credentials", audience: ORDERS, scope },
    { authorization: basic("robot", secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

/** A user's tokens for the web-example app, through the login form and the code exchange. */
async function userTokens(served: ServedWebApp, audience: string, email = "alice@example.com") {
  const redirectUri = `${served.url}/callback`;
  const { redirect, verifier } = await signIn(served.tenant.issuer, {
    clientId: CLIENT_ID,
    redirectUri,
    audience,
    email,
  });
  const secret = served.tenant.tenant.secrets.get(CLIENT_ID) ?? assert.fail("no secret");
  const res = await postForm(
    `${served.tenant.issuer}/oauth2/token`,
    {
      grant_type: "authorization_code",
      code: redirect.searchParams.get("code") ?? "",
      redirect_uri: redirectUri,
      code_verifier: verifier ?? "",
    },
    { authorization: basic(CLIENT_ID, secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { access: String(res.body.access_token), id: String(res.body.id_token) };
}

async function getOrders(served: ServedWebApp, authorization?: string) {
  const res = await fetch(`${served.url}/api/orders`, { headers: authorization ? { authorization } : {} });
  const body = (await res.json()) as { caller?: string; orders?: unknown[]; error?: string };
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body };
}

describe("the example's orders API", () => {
  test("read:orders gets the orders; without it 403 insufficient_scope; no or a bad token 401", async (t) => {
    const served = await serveWebApp(t);

    const ok = await getOrders(served, `Bearer ${await robotToken(served, "read:orders")}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.caller, "robot");
    assert.equal(ok.body.orders?.length, 3);

    const narrow = await getOrders(served, `Bearer ${await robotToken(served, "cancel:orders")}`);
    assert.equal(narrow.status, 403);
    assert.equal(narrow.body.error, "insufficient_scope");
    assert.match(
      narrow.challenge ?? "",
      /^Bearer realm="orders", error="insufficient_scope", error_description="[^"]*", scope="read:orders"/,
    );

    const none = await getOrders(served);
    assert.equal(none.status, 401);
    // RFC 6750 §3.1: no credentials, no error code.
    assert.equal(none.challenge, `Bearer realm="orders", resource_metadata="${ORDERS_METADATA}"`);

    const notJwt = await getOrders(served, "Bearer not.a.jwt");
    assert.equal(notJwt.status, 401);
    // Bearer without a token is malformed: 400 invalid_request (RFC 6750 §3.1).
    const empty = await getOrders(served, "Bearer ");
    assert.equal(empty.status, 400);
    assert.match(empty.challenge ?? "", /^Bearer realm="orders", error="invalid_request"/);
    // Another scheme carries no bearer credential: 401 with the challenge and no error code (RFC 7235 §3.1).
    const basic = await getOrders(served, "Basic cm9ib3Q6eA==");
    assert.equal(basic.status, 401);
    assert.equal(basic.challenge, `Bearer realm="orders", resource_metadata="${ORDERS_METADATA}"`);
    const forged = await getOrders(served, "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.e30.");
    assert.equal(forged.status, 401);
    assert.match(forged.challenge ?? "", /error="invalid_token"/);
  });

  test("a user token for the orders audience passes; one for the catalog only, or an ID token, does not", async (t) => {
    const served = await serveWebApp(t);
    const alice = await userTokens(served, ORDERS);
    const ok = await getOrders(served, `Bearer ${alice.access}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.caller, "alice");

    const catalogOnly = await userTokens(served, CATALOG);
    const wrongAudience = await getOrders(served, `Bearer ${catalogOnly.access}`);
    assert.equal(wrongAudience.status, 401);
    assert.match(
      wrongAudience.challenge ?? "",
      /error="invalid_token", error_description="the access token is not for this API \(aud\)"/,
    );

    const idToken = await getOrders(served, `Bearer ${alice.id}`);
    assert.equal(idToken.status, 401, "an ID token is not an access token");
  });
});

describe("the example web app", () => {
  test("names every missing setting", async () => {
    await assert.rejects(
      createWebApp({ SCOPECTL_ISSUER_URL: "http://localhost:8080", SCOPECTL_CLIENT_ID: " " }),
      /missing SCOPECTL_CLIENT_ID, SCOPECTL_CLIENT_SECRET, SCOPECTL_REDIRECT_URI, SCOPECTL_AUDIENCE: copy examples\/web-app\/\.env\.example/,
    );
  });

  test("the callback shows an error from scopectl, and refuses a code it did not ask for", async (t) => {
    const { url } = await serveWebApp(t);
    const denied = await fetch(
      `${url}/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=x`,
    );
    assert.equal(denied.status, 400);
    const html = await denied.text();
    assert.match(html, /role="alert">scopectl answered access_denied: &lt;b&gt;no&lt;\/b&gt;</);

    const stray = await fetch(`${url}/callback?code=abc&state=x`);
    assert.equal(stray.status, 400);
    assert.match(await stray.text(), /No sign-in was started in this browser/);

    const profile = await fetch(`${url}/profile`, { redirect: "manual" });
    assert.equal(profile.status, 303);
    assert.equal(profile.headers.get("location"), "/");
  });

  test("/login sets an HttpOnly SameSite=Lax session cookie and sends the browser to scopectl with PKCE", async (t) => {
    const { url, tenant } = await serveWebApp(t);
    const res = await fetch(`${url}/login`, { redirect: "manual" });
    assert.equal(res.status, 303);
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^web_app_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const location = new URL(res.headers.get("location") ?? "");
    assert.equal(`${location.origin}${location.pathname}`, `${tenant.issuer}/oauth2/authorize`);
    const params = Object.fromEntries(location.searchParams);
    assert.equal(params.client_id, CLIENT_ID);
    assert.equal(params.redirect_uri, `${url}/callback`);
    assert.equal(params.audience, `${ORDERS} ${CATALOG}`);
    assert.equal(params.scope, "openid profile email offline_access");
    assert.equal(params.code_challenge_method, "S256");
    for (const name of ["code_challenge", "state", "nonce"]) assert.ok(params[name], name);
  });
});
