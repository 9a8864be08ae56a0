/**
 * Issue 12, defect 1: a grant remembers exactly what its sign-in granted (the OpenID and API scopes, and
 * the audiences), and every later code exchange and refresh stays within it (RFC 6749 §6: a refresh may
 * narrow, never add). A role removed since the sign-in still shrinks the next token; a role added since
 * never widens it; a sign-in that was granted no API scope never gets one later. Over HTTP against the
 * real server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CATALOG,
  ORDERS,
  SPA_REDIRECT,
  serveUserTenant,
  signIn,
  type UserTenant,
} from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { claimsOf, postForm } from "../support/token-server.ts";
import {
  applyAndServe,
  assertOAuthError,
  codeOf,
  editedTenantFiles,
  redeemCode,
  refreshAsWeb,
  signInAtWeb,
  tokensOf,
} from "../support/user-tokens.ts";

const refreshTokenOf = (tokens: { refresh_token?: string }): string =>
  tokens.refresh_token ?? assert.fail("no refresh token");

const sorted = (values: unknown) => [...((values as string[] | undefined) ?? [])].sort();

/** Bob's line in the user tenant's users.yaml: one role (auditor: read:orders, read:invoices). */
const BOB_ROLES = "roles: [auditor]\n";

/** The scopes of a token response, its access token's `scp` and `permissions`, sorted. */
function granted(tokens: { scope: string; access_token: string }) {
  const claims = claimsOf(tokens.access_token);
  return {
    scope: tokens.scope.split(" ").filter(Boolean).sort(),
    scp: sorted(claims.scp),
    permissions: sorted(claims.permissions),
  };
}

describe("a refresh never widens the grant", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("after a sign-in for openid offline_access read:orders, scope=openid or offline_access adds no API scope", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user, { scope: "openid offline_access read:orders", audience: ORDERS });
    assert.deepEqual(granted(first).permissions, ["read:orders"]);

    const openid = tokensOf(await refreshAsWeb(user, refreshTokenOf(first), "openid"));
    assert.deepEqual(granted(openid), { scope: ["openid"], scp: ["openid"], permissions: [] });

    const offline = tokensOf(await refreshAsWeb(user, refreshTokenOf(openid), "offline_access"));
    assert.deepEqual(granted(offline), {
      scope: ["offline_access"],
      scp: ["offline_access"],
      permissions: [],
    });

    // Without scope: the whole grant, and no more.
    const full = tokensOf(await refreshAsWeb(user, refreshTokenOf(offline)));
    assert.deepEqual(granted(full), {
      scope: ["offline_access", "openid", "read:orders"],
      scp: ["offline_access", "openid", "read:orders"],
      permissions: ["read:orders"],
    });
  });

  test("a sign-in granted no API scope never gets one: not by a refresh, not by a role added since", async (t) => {
    const user = await serveUserTenant(t);
    // Bob holds nothing at the catalog: the sign-in is granted OpenID scopes only.
    const first = await signInAtWeb(user, {
      scope: "openid offline_access",
      audience: CATALOG,
      email: "bob@example.com",
    });
    assert.deepEqual(granted(first).permissions, []);
    assert.deepEqual(claimsOf(first.access_token).aud, [CATALOG]);

    await applyAndServe(
      user,
      editedTenantFiles(user.issuer, "users.yaml", BOB_ROLES, "roles: [auditor, support]\n"),
    );

    for (const scope of [undefined, "openid", "offline_access"]) {
      const next = tokensOf(await refreshAsWeb(user, refreshTokenOf(first), scope));
      assert.deepEqual(granted(next).permissions, [], `refresh with scope=${scope}`);
      first.refresh_token = next.refresh_token;
    }
    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(first), "read:products"), 400, "invalid_scope");
  });

  test("a role removed since the sign-in shrinks the next token; a scope added since does not show", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user, {
      scope: "openid offline_access",
      audience: ORDERS,
      email: "bob@example.com",
    });
    assert.deepEqual(granted(first).permissions, ["read:invoices", "read:orders"]);

    // A scope added since the sign-in: outside the grant.
    await applyAndServe(
      user,
      editedTenantFiles(
        user.issuer,
        "users.yaml",
        BOB_ROLES,
        `${BOB_ROLES}  additionalScopes:\n    orders: ["write:orders"]\n`,
      ),
    );
    const added = tokensOf(await refreshAsWeb(user, refreshTokenOf(first)));
    assert.deepEqual(granted(added).permissions, ["read:invoices", "read:orders"]);
    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(added), "write:orders"), 400, "invalid_scope");

    // The role removed: the token shrinks to nothing at the Api, and the sign-in itself goes on.
    await applyAndServe(user, editedTenantFiles(user.issuer, "users.yaml", BOB_ROLES, "roles: []\n"));
    const removed = tokensOf(await refreshAsWeb(user, refreshTokenOf(added)));
    assert.deepEqual(granted(removed), {
      scope: ["offline_access", "openid"],
      scp: ["offline_access", "openid"],
      permissions: [],
    });

    // The role back: within the grant again.
    await applyAndServe(user, editedTenantFiles(user.issuer, "users.yaml", BOB_ROLES, BOB_ROLES));
    const back = tokensOf(await refreshAsWeb(user, refreshTokenOf(removed)));
    assert.deepEqual(granted(back).permissions, ["read:invoices", "read:orders"]);
  });
});

describe("the code exchange stays within what the sign-in granted", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a scope added between the sign-in and the code exchange is not in the first token", async (t) => {
    const user = await serveUserTenant(t);
    const { redirect, verifier } = await signIn(user.issuer, {
      scope: "openid offline_access",
      audience: ORDERS,
      email: "bob@example.com",
    });
    await applyAndServe(
      user,
      editedTenantFiles(
        user.issuer,
        "users.yaml",
        BOB_ROLES,
        `${BOB_ROLES}  additionalScopes:\n    orders: ["write:orders"]\n`,
      ),
    );
    const tokens = tokensOf(await redeemCode(user, codeOf(redirect), verifier ?? assert.fail("no verifier")));
    assert.deepEqual(granted(tokens).permissions, ["read:invoices", "read:orders"]);
  });
});

describe("the grant's audiences are what the sign-in resolved", { timeout: SUITE_TIMEOUT_MS }, () => {
  async function spaSignIn(user: UserTenant) {
    const { redirect, verifier } = await signIn(user.issuer, {
      clientId: "spa",
      redirectUri: SPA_REDIRECT,
      scope: "openid offline_access",
    });
    return tokensOf(
      await postForm(`${user.issuer}/oauth2/token`, {
        grant_type: "authorization_code",
        code: codeOf(redirect),
        code_verifier: verifier ?? assert.fail("no verifier"),
        redirect_uri: SPA_REDIRECT,
        client_id: "spa",
      }),
    );
  }

  test("a sign-in without audience keeps the client's default of that time: another default later is no new audience", async (t) => {
    const user = await serveUserTenant(t);
    const first = await spaSignIn(user);
    assert.deepEqual(claimsOf(first.access_token).aud, [ORDERS]);

    // The spa is now authorized for the catalog instead: its default audience would be the catalog.
    await applyAndServe(
      user,
      editedTenantFiles(
        user.issuer,
        "apps.yaml",
        `    orders: { scopes: ["read:orders", "write:orders"] }\n`,
        "    catalog: { scopes: all }\n",
      ),
    );
    const refreshed = await postForm(`${user.issuer}/oauth2/token`, {
      grant_type: "refresh_token",
      refresh_token: refreshTokenOf(first),
      client_id: "spa",
    });
    assertOAuthError(refreshed, 400, "invalid_target");
  });
});
