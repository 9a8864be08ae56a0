/**
 * Acceptance 3 of the users issue, refresh tokens: `POST /oauth2/token` with grant_type refresh_token.
 * Every refresh rotates the token; a spent token presented again revokes its whole family (RFC 9700
 * §4.14.2); a token is bound to its client; a refresh may narrow the scope, never widen it; and each
 * refresh is the sign-in's grant within the current manifests, so a disabled user or a removed role
 * shows at the next one (an added one never does: grant-scopes.test.ts). Each over HTTP against the real
 * server and a real SQLite store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CATALOG, ORDERS, serveUserTenant } from "../support/sign-in.ts";
import { claimsOf, postForm } from "../support/token-server.ts";
import {
  applyAndServe,
  assertOAuthError,
  editedTenantFiles,
  introspectAsWeb,
  refreshAsWeb,
  signInAtWeb,
  tokensOf,
  userinfo,
} from "../support/user-tokens.ts";

const refreshTokenOf = (tokens: { refresh_token?: string }): string =>
  tokens.refresh_token ?? assert.fail("no refresh token");

const sorted = (values: unknown) => [...(values as string[])].sort();

/** Alice's roles line and additional scopes in the user tenant's users.yaml. */
const ALICE_ACCESS = `roles: [support, auditor]\n  additionalScopes:\n    orders: ["write:orders"]\n`;

describe("refresh token rotation and reuse", () => {
  test("a refresh returns a new refresh token, and the access tokens of the sign-in stay active", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user);
    const refreshed = tokensOf(await refreshAsWeb(user, refreshTokenOf(first)));
    assert.notEqual(refreshTokenOf(refreshed), first.refresh_token);
    assert.equal(claimsOf(refreshed.access_token).sid, claimsOf(first.access_token).sid);
    assert.equal((await introspectAsWeb(user, first.access_token)).active, true);
    assert.equal((await introspectAsWeb(user, refreshed.access_token)).active, true);
    // The new token refreshes in turn.
    tokensOf(await refreshAsWeb(user, refreshTokenOf(refreshed)));
  });

  test("a spent refresh token presented again gets invalid_grant and revokes its whole family", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user);
    const second = tokensOf(await refreshAsWeb(user, refreshTokenOf(first)));
    const third = tokensOf(await refreshAsWeb(user, refreshTokenOf(second)));

    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(first)), 400, "invalid_grant");

    // The newest refresh token of the family fails too ...
    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(third)), 400, "invalid_grant");
    // ... and every access token of the family is inactive.
    for (const tokens of [first, second, third]) {
      assert.deepEqual(await introspectAsWeb(user, tokens.access_token), { active: false });
      assert.equal((await userinfo(user.issuer, tokens.access_token)).status, 401);
    }
  });

  test("another sign-in of the same user is not revoked with a reused family", async (t) => {
    const user = await serveUserTenant(t);
    const leaked = await signInAtWeb(user);
    const other = await signInAtWeb(user);
    tokensOf(await refreshAsWeb(user, refreshTokenOf(leaked)));
    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(leaked)), 400, "invalid_grant");
    assert.equal((await introspectAsWeb(user, other.access_token)).active, true);
    tokensOf(await refreshAsWeb(user, refreshTokenOf(other)));
  });

  test("a refresh token presented by another client gets invalid_grant and does not revoke the family", async (t) => {
    const user = await serveUserTenant(t);
    const tokens = await signInAtWeb(user);
    const bySpa = await postForm(`${user.issuer}/oauth2/token`, {
      grant_type: "refresh_token",
      refresh_token: refreshTokenOf(tokens),
      client_id: "spa",
    });
    assertOAuthError(bySpa, 400, "invalid_grant");
    // The token was not spent: its own client still refreshes with it, and its access token is active.
    assert.equal((await introspectAsWeb(user, tokens.access_token)).active, true);
    tokensOf(await refreshAsWeb(user, refreshTokenOf(tokens)));
  });

  test("a sign-in without offline_access gets no refresh token", async (t) => {
    const user = await serveUserTenant(t);
    const tokens = await signInAtWeb(user, { scope: "openid profile email" });
    assert.equal(tokens.refresh_token, undefined);
    assert.ok(tokens.id_token, "still an ID token");
  });
});

describe("refresh scope", () => {
  const scope = "openid offline_access read:orders write:orders";

  test("a refresh may ask for a narrower scope", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user, { scope, audience: ORDERS });
    assert.deepEqual(claimsOf(first.access_token).scp, [
      "openid",
      "offline_access",
      "read:orders",
      "write:orders",
    ]);

    const narrow = tokensOf(await refreshAsWeb(user, refreshTokenOf(first), "openid read:orders"));
    assert.equal(narrow.scope, "openid read:orders");
    assert.deepEqual(claimsOf(narrow.access_token).scp, ["openid", "read:orders"]);
    assert.deepEqual(claimsOf(narrow.access_token).permissions, ["read:orders"]);

    // The grant is unchanged: a refresh without scope gets all of it again.
    const full = tokensOf(await refreshAsWeb(user, refreshTokenOf(narrow)));
    assert.deepEqual(claimsOf(full.access_token).scp, [
      "openid",
      "offline_access",
      "read:orders",
      "write:orders",
    ]);
  });

  test("a refresh asking for a scope beyond the sign-in's gets invalid_scope", async (t) => {
    const user = await serveUserTenant(t);
    for (const broader of ["read:orders cancel:orders", "openid profile", "read:products"]) {
      // A sign-in for each: whether a refused refresh spends its token is the next test's question.
      const tokens = await signInAtWeb(user, { scope, audience: ORDERS });
      assertOAuthError(await refreshAsWeb(user, refreshTokenOf(tokens), broader), 400, "invalid_scope");
    }
  });

  test("a refused broader-scope refresh leaves the refresh token usable", async (t) => {
    // The client never received a replacement, so the token it presented must still be good; otherwise
    // its next refresh is a "reuse" that revokes the user's sign-in.
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user, { scope, audience: ORDERS });
    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(first), "cancel:orders"), 400, "invalid_scope");
    tokensOf(await refreshAsWeb(user, refreshTokenOf(first)));
  });
});

describe("manifest changes at the next refresh", () => {
  test("a user disabled after sign-in: the next refresh gets invalid_grant and userinfo 401", async (t) => {
    const user = await serveUserTenant(t);
    const tokens = await signInAtWeb(user);
    assert.equal((await userinfo(user.issuer, tokens.access_token)).status, 200);

    await applyAndServe(
      user,
      editedTenantFiles(user.issuer, "users.yaml", ALICE_ACCESS, `${ALICE_ACCESS}  disabled: true\n`),
    );

    assertOAuthError(await refreshAsWeb(user, refreshTokenOf(tokens)), 400, "invalid_grant");
    const info = await userinfo(user.issuer, tokens.access_token);
    assert.equal(info.status, 401);
    assert.equal(info.body?.error, "invalid_token");
    assert.deepEqual(await introspectAsWeb(user, tokens.access_token), { active: false });
  });

  test("a role change shows in the next refreshed access token: scopes removed go, scopes added stay out", async (t) => {
    const user = await serveUserTenant(t);
    const first = await signInAtWeb(user, {
      scope: "openid offline_access",
      audience: `${ORDERS} ${CATALOG}`,
    });
    const before = ["cancel:orders", "read:invoices", "read:orders", "read:products", "write:orders"];
    assert.deepEqual(sorted(claimsOf(first.access_token).permissions), before);

    // support (read/cancel orders, read products) and write:orders out; write:products in.
    await applyAndServe(
      user,
      editedTenantFiles(
        user.issuer,
        "users.yaml",
        ALICE_ACCESS,
        `roles: [auditor]\n  additionalScopes:\n    catalog: ["write:products"]\n`,
      ),
    );

    const refreshed = tokensOf(await refreshAsWeb(user, refreshTokenOf(first)));
    // write:products was not granted at the sign-in: a refresh never adds it (RFC 6749 §6).
    const after = ["read:invoices", "read:orders"];
    const claims = claimsOf(refreshed.access_token);
    assert.deepEqual(sorted(claims.permissions), after);
    assert.deepEqual(sorted(claims.scp), ["offline_access", "openid", ...after].sort());
    assert.deepEqual(refreshed.scope.split(" ").sort(), ["offline_access", "openid", ...after].sort());
  });
});
