/** The login form's CSRF cookie: `__Host-` prefixed behind https, a plain name for a local http issuer. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSetCookie } from "cookie";
import { csrfCookieOf, csrfSetCookie } from "../../src/server/login/login-form-token.ts";
import type { Snapshot } from "../../src/server/snapshot.ts";

const at = (issuer: string) => ({ issuer }) as Snapshot;
const VALUE = "a".repeat(43);

test("behind https the cookie is __Host-: Secure, Path=/, no Domain, HttpOnly, SameSite=Strict", () => {
  const snapshot = at("https://id.example.com");
  const cookie = parseSetCookie(csrfSetCookie(snapshot, VALUE));
  assert.equal(cookie.name, "__Host-scopectl_csrf");
  assert.equal(cookie.secure, true);
  assert.equal(cookie.path, "/");
  assert.equal(cookie.domain, undefined);
  assert.equal(cookie.httpOnly, true);
  assert.equal(String(cookie.sameSite).toLowerCase(), "strict");
  assert.equal(csrfCookieOf(snapshot, `__Host-scopectl_csrf=${VALUE}`), VALUE);
  // A cookie without the prefix (which any subdomain could have planted) is not read.
  assert.equal(csrfCookieOf(snapshot, `scopectl_csrf=${VALUE}`), undefined);
});

test("a plain-http issuer (local development) gets a non-Secure cookie under /oauth2/", () => {
  const snapshot = at("http://localhost:8080");
  const cookie = parseSetCookie(csrfSetCookie(snapshot, VALUE));
  assert.equal(cookie.name, "scopectl_csrf");
  assert.notEqual(cookie.secure, true);
  assert.equal(cookie.path, "/oauth2/");
  assert.equal(csrfCookieOf(snapshot, `other=1; scopectl_csrf=${VALUE}`), VALUE);
  assert.equal(csrfCookieOf(snapshot, "scopectl_csrf=short"), undefined, "a malformed value is ignored");
});
