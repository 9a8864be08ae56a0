/**
 * A small web app that signs users in through scopectl (OpenID Connect, authorization code + PKCE) and
 * calls an API with the access token. Settings come SDK-style from the environment (see .env.example).
 *
 *   /          a "Sign in" link, or a link to the profile when signed in
 *   /login     starts a sign-in: PKCE S256, state and nonce kept in the session, off to scopectl
 *   /callback  scopectl sends the browser back here with a code; the app exchanges it for tokens
 *   /profile   the user (from the ID token), the access token's audiences and scopes, the API's answer
 *   /logout    forgets the session
 *   /api/...   the orders API (orders-api.mjs), mounted here to keep the example in one process
 */
import { randomBytes } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";
import escapeHtml from "escape-html";
import express from "express";
import { decodeJwt } from "jose";
import * as client from "openid-client";
import { createOrdersApi } from "./orders-api.mjs";

const REQUIRED = [
  "SCOPECTL_ISSUER_URL",
  "SCOPECTL_CLIENT_ID",
  "SCOPECTL_CLIENT_SECRET",
  "SCOPECTL_REDIRECT_URI",
  "SCOPECTL_AUDIENCE",
];
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
const SESSION_COOKIE = "web_app_session";

/** The app's settings from an environment (process.env, or a test's own object). */
export function readSettings(env) {
  const missing = REQUIRED.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(", ")}: copy examples/web-app/.env.example to examples/web-app/.env and fill it in`,
    );
  }
  const audiences = env.SCOPECTL_AUDIENCE.split(/\s+/).filter(Boolean);
  const redirectUri = new URL(env.SCOPECTL_REDIRECT_URI);
  return {
    issuer: env.SCOPECTL_ISSUER_URL.trim(),
    clientId: env.SCOPECTL_CLIENT_ID.trim(),
    clientSecret: env.SCOPECTL_CLIENT_SECRET.trim(),
    redirectUri,
    audiences,
    scope: env.SCOPECTL_SCOPE?.trim() || "openid profile email offline_access",
    // The API this app calls: its audience, and where it is served (by default, by this app itself).
    apiAudience: env.SCOPECTL_API_AUDIENCE?.trim() || audiences[0],
    ordersUrl: new URL(env.ORDERS_API_URL?.trim() || "/api/orders", redirectUri),
  };
}

/** HTTP is fine for a scopectl on this machine, never elsewhere. */
function isLocal(url) {
  return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
}

/**
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<import("express").Express>} rejects, naming them, when settings are missing
 */
export async function createWebApp(env) {
  const settings = readSettings(env);

  let discovered;
  /** scopectl's metadata and this client, discovered once (again after a failure). */
  function oidc() {
    discovered ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        client.ClientSecretBasic(settings.clientSecret),
        isLocal(settings.issuer) ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err) => {
        discovered = undefined;
        throw new Error(`cannot reach scopectl at ${settings.issuer}: ${err.message}`);
      });
    return discovered;
  }

  // A tiny in-memory session store, keyed by a random cookie. Restarting the app signs everyone out.
  const sessions = new Map();
  const sessionId = (req) => parseCookie(req.get("cookie") ?? "")[SESSION_COOKIE] ?? "";
  const sessionOf = (req) => sessions.get(sessionId(req));
  function newSession(req, res, data) {
    sessions.delete(sessionId(req));
    const id = randomBytes(32).toString("base64url");
    sessions.set(id, data);
    res.append(
      "Set-Cookie",
      stringifySetCookie({
        name: SESSION_COOKIE,
        value: id,
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: settings.redirectUri.protocol === "https:",
      }),
    );
    return data;
  }
  function endSession(req, res) {
    sessions.delete(sessionId(req));
    res.append("Set-Cookie", stringifySetCookie({ name: SESSION_COOKIE, value: "", path: "/", maxAge: 0 }));
  }

  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.set({
      "Content-Security-Policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    });
    next();
  });
  app.use("/api", await createOrdersApi({ issuer: settings.issuer, audience: settings.apiAudience }));

  app.get("/", (req, res) => {
    const user = sessionOf(req)?.user;
    res.send(
      page(
        "Web app example",
        user
          ? `<h1>Web app example</h1><p>You are signed in as ${escapeHtml(user.claims.name ?? user.claims.sub)}.</p>
<p><a href="/profile">Your profile and token</a></p>`
          : `<h1>Web app example</h1><p>This app signs you in through scopectl and calls the orders API.</p>
<p><a class="button" href="/login">Sign in</a></p>`,
      ),
    );
  });

  app.get("/login", async (req, res) => {
    let config;
    try {
      config = await oidc();
    } catch (err) {
      res.status(502).send(errorPage("scopectl is not reachable", err.message));
      return;
    }
    const pending = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    newSession(req, res, { pending });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri.href,
      scope: settings.scope,
      audience: settings.audiences.join(" "), // one or several APIs, space-separated
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    res.redirect(303, url.href);
  });

  app.get("/callback", async (req, res) => {
    const pending = sessionOf(req)?.pending;
    if (typeof req.query.error === "string") {
      // scopectl answered with an error instead of a code (RFC 6749 §4.1.2.1).
      const description = typeof req.query.error_description === "string" ? req.query.error_description : "";
      res
        .status(400)
        .send(errorPage("Sign-in failed", `scopectl answered ${req.query.error}: ${description}`));
      return;
    }
    if (!pending) {
      res
        .status(400)
        .send(errorPage("Sign-in failed", "No sign-in was started in this browser (or the app restarted)."));
      return;
    }
    // The URL scopectl redirected to: the registered redirect URI plus the query it added.
    const current = new URL(settings.redirectUri);
    current.search = new URL(req.originalUrl, settings.redirectUri).search;
    try {
      const tokens = await client.authorizationCodeGrant(await oidc(), current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      // A new session id once signed in, so an id seen before sign-in is worth nothing.
      newSession(req, res, { user: userOf(tokens) });
    } catch (err) {
      const detail = err.error ? `${err.error}: ${err.error_description ?? err.message}` : err.message;
      res.status(400).send(errorPage("Sign-in failed", detail));
      return;
    }
    res.redirect(303, "/profile");
  });

  app.get("/profile", async (req, res) => {
    const session = sessionOf(req);
    if (!session?.user) {
      res.redirect(303, "/");
      return;
    }
    // An access token about to expire is refreshed with the refresh token (offline_access).
    if (session.user.expiresAt < Date.now() + 30_000 && session.user.refreshToken) {
      try {
        const tokens = await client.refreshTokenGrant(await oidc(), session.user.refreshToken);
        session.user = { ...userOf(tokens), claims: session.user.claims };
      } catch {
        endSession(req, res);
        res.redirect(303, "/");
        return;
      }
    }
    const { claims, accessToken } = session.user;
    const access = decodeJwt(accessToken);
    const audiences = [access.aud ?? []].flat();
    const scopes = Array.isArray(access.scp) ? access.scp : String(access.scope ?? "").split(" ");
    const api = await callApi(settings.ordersUrl, accessToken);
    res.send(
      page(
        "Your profile",
        `<h1>Hello, ${escapeHtml(claims.name ?? claims.sub)}</h1>
<p>Signed in as <strong>${escapeHtml(claims.email ?? claims.sub)}</strong> (subject <code>${escapeHtml(claims.sub)}</code>).</p>
<h2 id="audiences">Your token's audiences</h2>
<ul aria-labelledby="audiences">${audiences.map((aud) => `<li><code>${escapeHtml(aud)}</code></li>`).join("")}</ul>
<h2 id="scopes">Your token's scopes</h2>
<table aria-labelledby="scopes">
<thead><tr><th scope="col">Scope</th><th scope="col">Kind</th></tr></thead>
<tbody>${scopes
          .map(
            (scope) =>
              `<tr><td><code>${escapeHtml(scope)}</code></td><td>${OIDC_SCOPES.has(scope) ? "OpenID Connect" : "API"}</td></tr>`,
          )
          .join("")}</tbody>
</table>
<h2 id="api">Calling the orders API</h2>
${renderApiResult(settings.ordersUrl, api)}
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
      ),
    );
  });

  const logout = (req, res) => {
    endSession(req, res);
    res.redirect(303, "/");
  };
  app.get("/logout", logout);
  app.post("/logout", logout);

  return app;
}

function userOf(tokens) {
  return {
    claims: tokens.claims() ?? {},
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: Date.now() + (tokens.expiresIn() ?? 3600) * 1000,
  };
}

/** GET the orders API with the access token; the outcome, whether it worked or not. */
async function callApi(url, accessToken) {
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = await res.json().catch(() => ({}));
    return { status: res.status, body, challenge: res.headers.get("www-authenticate") };
  } catch (err) {
    return { status: 0, body: { error: "unreachable", error_description: err.message } };
  }
}

function renderApiResult(url, { status, body, challenge }) {
  const request = `<code>GET ${escapeHtml(url.pathname)}</code>`;
  if (status !== 200) {
    const why = [body.error, body.error_description].filter(Boolean).join(": ") || `status ${status}`;
    return `<p class="error" role="alert">${request} was refused (${status || "no answer"}): ${escapeHtml(why)}</p>${
      challenge ? `<p>WWW-Authenticate: <code>${escapeHtml(challenge)}</code></p>` : ""
    }`;
  }
  return `<p class="ok" role="status">${request} succeeded (200): ${body.orders.length} orders for <code>${escapeHtml(body.caller)}</code>.</p>
<table aria-labelledby="api">
<thead><tr><th scope="col">Order</th><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Status</th></tr></thead>
<tbody>${body.orders
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.id)}</td><td>${escapeHtml(o.item)}</td><td>${escapeHtml(String(o.quantity))}</td><td>${escapeHtml(o.status)}</td></tr>`,
    )
    .join("")}</tbody>
</table>`;
}

function errorPage(title, message) {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p><a href="/">Back to the start</a></p>`,
  );
}

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:44rem;margin:5vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.3rem .8rem;border-bottom:1px solid #d5d8dd}
.button,button{display:inline-block;padding:.6rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#2351b5;border:0;border-radius:4px;text-decoration:none;cursor:pointer}
.error{padding:.75rem;border-left:4px solid #b3261e;background:#fdecea;color:#7a1712}
.ok{padding:.75rem;border-left:4px solid #1e7b34;background:#e9f6ec;color:#134d21}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
