/**
 * Signing a user in over HTTP, as a browser would: the authorization request, the login page (its CSRF
 * token and cookie), the form post, and the redirect back with a code. Plus a tenant with users, roles
 * and the three kinds of application, served at an issuer that is its own URL (so openid-client's
 * discovery checks pass).
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { hashPassword } from "../../src/server/login/password.ts";
import type { TokenServerOptions } from "../../src/server/server.ts";
import { freePort } from "./net.ts";
import { calculatePkce } from "./pkce.ts";
import { API_HEADER, type ServedTenant, serveTenant } from "./token-server.ts";

export const ORDERS = "https://api.example.com/orders";
export const CATALOG = "https://api.example.com/catalog";
export const WEB_REDIRECT = "https://web.example/callback";
export const SPA_REDIRECT = "https://spa.example/";
export const PASSWORD = "correct horse battery staple";

/** Alice: two roles and an additional scope. Bob: one role. Carol: disabled. */
export function userTenantFiles(issuer: string): Record<string, string> {
  return {
    "settings.yaml": `${API_HEADER("Settings", "default")}spec:\n  issuer: ${issuer}\n`,
    "apis.yaml": [
      `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes:\n    - { name: "read:orders" }\n    - { name: "write:orders" }\n    - { name: "cancel:orders" }\n    - { name: "read:invoices" }\n`,
      `${API_HEADER("Api", "catalog")}spec:\n  audience: ${CATALOG}\n  scopes:\n    - { name: "read:products" }\n    - { name: "write:products" }\n`,
    ].join("---\n"),
    "roles.yaml": [
      `${API_HEADER("Role", "support")}spec:\n  scopes:\n    orders: ["read:orders", "cancel:orders"]\n    catalog: ["read:products"]\n`,
      `${API_HEADER("Role", "auditor")}spec:\n  scopes:\n    orders: ["read:orders", "read:invoices"]\n`,
    ].join("---\n"),
    "users.yaml": [
      `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n  name: Alice Martin\n  roles: [support, auditor]\n  additionalScopes:\n    orders: ["write:orders"]\n`,
      `${API_HEADER("User", "bob")}spec:\n  email: bob@example.com\n  name: Bob Chen\n  roles: [auditor]\n`,
      `${API_HEADER("User", "carol")}spec:\n  email: carol@example.com\n  name: Carol Diaz\n  roles: [support]\n  disabled: true\n`,
    ].join("---\n"),
    "apps.yaml": [
      `${API_HEADER("Application", "web")}spec:\n  type: regular\n  clientId: web\n  redirectUris: ["${WEB_REDIRECT}"]\n  apis:\n    orders: { scopes: all }\n    catalog: { scopes: all }\n  tokens: { lifetimeSeconds: 600, includeApiScopesInPermissions: true }\n`,
      `${API_HEADER("Application", "spa")}spec:\n  type: spa\n  clientId: spa\n  redirectUris: ["${SPA_REDIRECT}"]\n  apis:\n    orders: { scopes: ["read:orders", "write:orders"] }\n`,
      `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  apis:\n    orders: { scopes: all }\n`,
    ].join("---\n"),
  };
}

export interface UserTenant {
  tenant: ServedTenant;
  issuer: string;
  /** The regular app's client secret. */
  webSecret: string;
}

/** The user tenant at its own issuer URL, with passwords set for alice, bob and carol. */
export async function serveUserTenant(
  t: TestContext,
  options: Partial<TokenServerOptions> = {},
  files: (issuer: string) => Record<string, string> = userTenantFiles,
): Promise<UserTenant> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const tenant = await serveTenant(t, files(issuer), { port, issuer, ...options });
  const hash = await hashPassword(PASSWORD);
  const now = new Date().toISOString();
  for (const user of ["alice", "bob", "carol"]) await tenant.store.setPassword(user, hash, now);
  return { tenant, issuer, webSecret: tenant.secrets.get("web") ?? assert.fail("no secret for web") };
}

export interface LoginPage {
  status: number;
  html: string;
  /** The CSRF cookie as the browser would send it back (`name=value`). */
  cookie: string | undefined;
  csrfToken: string | undefined;
}

/** GET the authorization URL, as a browser would, without following redirects. */
export async function openAuthorize(
  url: string | URL,
  cookie?: string,
): Promise<LoginPage & { location?: string }> {
  const res = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const setCookie = res.headers.get("set-cookie");
  const location = res.headers.get("location") ?? undefined;
  return {
    status: res.status,
    html,
    cookie: setCookie ? setCookie.split(";")[0] : cookie,
    csrfToken: /name="csrf_token" value="([^"]+)"/.exec(html)?.[1],
    ...(location !== undefined ? { location } : {}),
  };
}

/** POST the login form; the answer is a redirect (location) or a page (html). */
export async function submitLogin(
  issuer: string,
  fields: Record<string, string>,
  cookie: string | undefined,
): Promise<{ status: number; location?: string; html: string; headers: Headers }> {
  const res = await fetch(`${issuer}/oauth2/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields),
  });
  const location = res.headers.get("location") ?? undefined;
  return {
    status: res.status,
    html: await res.text(),
    headers: res.headers,
    ...(location !== undefined ? { location } : {}),
  };
}

export interface AuthorizeParams {
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  audience?: string;
  state?: string;
  nonce?: string;
  /** Defaults to a fresh S256 pair; `null` leaves PKCE out. */
  pkce?: { verifier: string; challenge: string; method?: string } | null;
  extra?: Record<string, string>;
}

export function authorizeUrl(issuer: string, params: AuthorizeParams = {}) {
  const pkce: AuthorizeParams["pkce"] = params.pkce === undefined ? calculatePkce() : params.pkce;
  const url = new URL(`${issuer}/oauth2/authorize`);
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) url.searchParams.set(name, value);
  };
  set("response_type", "code");
  set("client_id", params.clientId ?? "web");
  set("redirect_uri", params.redirectUri ?? WEB_REDIRECT);
  set("scope", params.scope ?? "openid profile email offline_access");
  set("audience", params.audience);
  set("state", params.state ?? "state-123");
  set("nonce", params.nonce);
  if (pkce) {
    set("code_challenge", pkce.challenge);
    set("code_challenge_method", pkce.method ?? "S256");
  }
  for (const [name, value] of Object.entries(params.extra ?? {})) set(name, value);
  return { url, verifier: pkce?.verifier };
}

/** The whole browser part: authorize, log in, and return the redirect back to the client. */
export async function signIn(
  issuer: string,
  params: AuthorizeParams & { email?: string; password?: string } = {},
): Promise<{ redirect: URL; verifier: string | undefined }> {
  const { url, verifier } = authorizeUrl(issuer, params);
  const page = await openAuthorize(url);
  assert.equal(page.status, 200, `the login page: ${page.html.slice(0, 300)}`);
  const answer = await submitLogin(
    issuer,
    {
      csrf_token: page.csrfToken ?? assert.fail("no csrf_token on the login page"),
      email: params.email ?? "alice@example.com",
      password: params.password ?? PASSWORD,
    },
    page.cookie,
  );
  assert.equal(answer.status, 303, `the login answer: ${answer.html.slice(0, 300)}`);
  return { redirect: new URL(answer.location ?? assert.fail("no location")), verifier };
}
