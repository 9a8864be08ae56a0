/**
 * A sign-in ends for good when its user is disabled or removed, or gets a new password: enabling the
 * user again, or declaring a new User under the same name, brings none of the old tokens back. The old
 * access token stays refused at introspection, userinfo and /v1, and the old refresh token is
 * invalid_grant. Manifests applied by the reconciler to a real SQLite store, the real server over HTTP.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hashPassword } from "../../src/server/login/password.ts";
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
  type UserTokenBody,
  userinfo,
} from "../support/user-tokens.ts";

const ALICE = "roles: [support, auditor]";

/** The user tenant plus the management Api (<issuer>/v1), alice an admin of it, `web` authorized for it. */
function managedFiles(issuer: string, edit: (users: string) => string = (u) => u): Record<string, string> {
  const files = userTenantFiles(issuer);
  const users = files["users.yaml"] ?? assert.fail("no users.yaml");
  const apps = files["apps.yaml"] ?? assert.fail("no apps.yaml");
  const catalog = "    catalog: { scopes: all }\n";
  assert.ok(users.includes(ALICE) && apps.includes(catalog));
  return {
    ...files,
    "management.yaml": [
      `${API_HEADER("Api", "management")}spec:\n  audience: ${issuer}/v1\n  scopes: [{ name: "read:users" }]\n`,
      `${API_HEADER("Role", "admin")}spec:\n  scopes:\n    management: ["read:users"]\n`,
    ].join("---\n"),
    "users.yaml": edit(users.replace(ALICE, "roles: [support, auditor, admin]")),
    "apps.yaml": apps.replace(catalog, `${catalog}    management: { scopes: all }\n`),
  };
}

const disabled = (users: string) =>
  users.replace("roles: [support, auditor, admin]", "roles: [support, auditor, admin]\n  disabled: true");
const withoutAlice = (users: string) =>
  users
    .split("---\n")
    .filter((doc) => !doc.includes("name: alice\n"))
    .join("---\n");
/** Another person under the name `alice`: another email and display name. */
const anotherAlice = (users: string) =>
  users.replace(
    "email: alice@example.com\n  name: Alice Martin",
    "email: alice.new@example.com\n  name: Alice New",
  );

/** Alice signed in at `web` for /v1, with a refresh token; /v1 answers her. */
async function aliceSignedIn(user: UserTenant): Promise<UserTokenBody> {
  const { redirect, verifier } = await signIn(user.issuer, {
    scope: "openid offline_access read:users",
    audience: `${user.issuer}/v1`,
  });
  const tokens = tokensOf(await redeemCode(user, codeOf(redirect), verifier ?? assert.fail("no verifier")));
  assert.ok(tokens.refresh_token, "a refresh token");
  assert.equal(await v1Status(user, tokens.access_token), 200);
  return tokens;
}

async function v1Status(user: UserTenant, token: string): Promise<number> {
  const res = await fetch(`${user.issuer}/v1/users`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Nothing of the old sign-in works: its access token anywhere, its refresh token. */
async function assertEnded(user: UserTenant, tokens: UserTokenBody): Promise<void> {
  assert.deepEqual(await introspectAsWeb(user, tokens.access_token), { active: false });
  assert.equal((await userinfo(user.issuer, tokens.access_token)).status, 401);
  assert.equal(await v1Status(user, tokens.access_token), 401);
  assertOAuthError(await refreshAsWeb(user, tokens.refresh_token ?? ""), 400, "invalid_grant");
}

describe("an ended sign-in stays ended", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("disabled, then enabled again: the sign-in from before is dead; a new one works", async (t) => {
    const user = await serveUserTenant(t, {}, managedFiles);
    const tokens = await aliceSignedIn(user);
    await applyAndServe(user, managedFiles(user.issuer, disabled));
    await applyAndServe(user, managedFiles(user.issuer));
    await assertEnded(user, tokens);
    await aliceSignedIn(user);
  });

  test("removed, then another User declared under the same name: the old sign-in is dead", async (t) => {
    const user = await serveUserTenant(t, {}, managedFiles);
    const tokens = await aliceSignedIn(user);
    await applyAndServe(user, managedFiles(user.issuer, withoutAlice));
    await applyAndServe(user, managedFiles(user.issuer, anotherAlice));
    await assertEnded(user, tokens);
  });

  test("a new password (users set-password) ends the user's sign-ins; the new password signs in", async (t) => {
    const user = await serveUserTenant(t, {}, managedFiles);
    const tokens = await aliceSignedIn(user);
    const password = "a brand new passphrase";
    await user.tenant.store.setPassword("alice", await hashPassword(password), new Date().toISOString());
    await assertEnded(user, tokens);
    const { redirect, verifier } = await signIn(user.issuer, { password });
    tokensOf(await redeemCode(user, codeOf(redirect), verifier ?? assert.fail("no verifier")));
  });
});
