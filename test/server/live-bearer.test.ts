/**
 * Issue 12, defect 2: a user access token is honoured only while its sign-in is live, at every endpoint
 * that takes a bearer token. The management views (`/v1`) refuse it, as introspection and userinfo do,
 * once its grant is revoked (a replayed code or refresh token) or its user is disabled or removed. Over
 * HTTP against the real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serveUserTenant, signIn, type UserTenant, userTenantFiles } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER } from "../support/token-server.ts";
import {
  applyAndServe,
  assertOAuthError,
  codeOf,
  introspectAsWeb,
  redeemCode,
  refreshAsWeb,
  tokensOf,
  userinfo,
} from "../support/user-tokens.ts";

const ALICE_ROLES = "roles: [support, auditor]";

/** The user tenant with the management Api (<issuer>/v1), alice an admin of it, and `web` authorized for it. */
function managedTenantFiles(
  issuer: string,
  edit: (users: string) => string = (u) => u,
): Record<string, string> {
  const files = userTenantFiles(issuer);
  const users = files["users.yaml"] ?? assert.fail("no users.yaml");
  const apps = files["apps.yaml"] ?? assert.fail("no apps.yaml");
  assert.ok(users.includes(ALICE_ROLES) && apps.includes("    catalog: { scopes: all }\n"));
  return {
    ...files,
    "management.yaml": [
      `${API_HEADER("Api", "management")}spec:\n  audience: ${issuer}/v1\n  scopes: [{ name: "read:apis" }, { name: "read:users" }]\n`,
      `${API_HEADER("Role", "admin")}spec:\n  scopes:\n    management: ["read:apis", "read:users"]\n`,
    ].join("---\n"),
    "users.yaml": edit(users.replace(ALICE_ROLES, "roles: [support, auditor, admin]")),
    "apps.yaml": apps.replace(
      "    catalog: { scopes: all }\n",
      "    catalog: { scopes: all }\n    management: { scopes: all }\n",
    ),
  };
}

/** Alice signed in at `web` for the management audience: the code, its verifier and the tokens. */
async function signInForManagement(user: UserTenant) {
  const { redirect, verifier } = await signIn(user.issuer, {
    scope: "openid offline_access read:users",
    audience: `${user.issuer}/v1`,
  });
  const code = codeOf(redirect);
  const pkce = verifier ?? assert.fail("no verifier");
  return { code, verifier: pkce, tokens: tokensOf(await redeemCode(user, code, pkce)) };
}

async function listUsers(user: UserTenant, token: string) {
  const res = await fetch(`${user.issuer}/v1/users`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** /v1 refuses the token as invalid_token (RFC 6750 §3.1), and so do userinfo and introspection. */
async function assertDead(user: UserTenant, token: string): Promise<void> {
  const answer = await listUsers(user, token);
  assert.equal(answer.status, 401, JSON.stringify(answer.body));
  assert.equal(answer.body.error, "invalid_token");
  assert.match(answer.challenge ?? "", /^Bearer realm="scopectl", error="invalid_token"/);
  assert.equal((await userinfo(user.issuer, token)).status, 401);
  assert.deepEqual(await introspectAsWeb(user, token), { active: false });
}

describe("/v1 honours a user token only while its sign-in is live", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a replayed authorization code revokes the grant: /v1 answers 401 invalid_token", async (t) => {
    const user = await serveUserTenant(t, {}, managedTenantFiles);
    const { code, verifier, tokens } = await signInForManagement(user);
    assert.equal((await listUsers(user, tokens.access_token)).status, 200);

    assertOAuthError(await redeemCode(user, code, verifier), 400, "invalid_grant");
    await assertDead(user, tokens.access_token);
  });

  test("a replayed refresh token revokes the grant: /v1 answers 401 invalid_token", async (t) => {
    const user = await serveUserTenant(t, {}, managedTenantFiles);
    const { tokens } = await signInForManagement(user);
    const spent = tokens.refresh_token ?? assert.fail("no refresh token");
    const refreshed = tokensOf(await refreshAsWeb(user, spent));
    assert.equal((await listUsers(user, refreshed.access_token)).status, 200);

    assertOAuthError(await refreshAsWeb(user, spent), 400, "invalid_grant");
    await assertDead(user, tokens.access_token);
    await assertDead(user, refreshed.access_token);
  });

  test("a user disabled since the sign-in: /v1 answers 401 invalid_token", async (t) => {
    const user = await serveUserTenant(t, {}, managedTenantFiles);
    const { tokens } = await signInForManagement(user);
    assert.equal((await listUsers(user, tokens.access_token)).status, 200);

    const disabled = (users: string) =>
      users.replace("roles: [support, auditor, admin]", "roles: [support, auditor, admin]\n  disabled: true");
    await applyAndServe(user, managedTenantFiles(user.issuer, disabled));
    await assertDead(user, tokens.access_token);
  });

  test("a user removed since the sign-in: /v1 answers 401 invalid_token", async (t) => {
    const user = await serveUserTenant(t, {}, managedTenantFiles);
    const { tokens } = await signInForManagement(user);
    assert.equal((await listUsers(user, tokens.access_token)).status, 200);

    const withoutAlice = (users: string) =>
      users
        .split("---\n")
        .filter((doc) => !doc.includes("name: alice\n"))
        .join("---\n");
    await applyAndServe(user, managedTenantFiles(user.issuer, withoutAlice));
    await assertDead(user, tokens.access_token);
  });
});
