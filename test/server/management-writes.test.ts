/**
 * The management API's writes over HTTP (docs/management-api.md), against the real server and a real
 * SQLite store: every row of the product's permission table with m2m tokens (the exact set allows, each
 * missing permission is a 403 naming it) and with user tokens through a role; the ownership refusals
 * and the actor a user's write records. (What uploads do, and refuse: management-uploads.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  assertForbidden,
  call,
  managementFiles as files,
  json,
  m2mToken,
  P,
  SPEC_V1,
  SPEC_V2,
  served,
  yaml,
} from "../support/management-tenant.ts";
import { serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { signInAtWeb } from "../support/user-tokens.ts";

const TEST_TIMEOUT_MS = 120_000;

describe("management API writes: the permission table", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("m2m tokens: upload, replace and delete an import, and each scope write, need exactly their permissions", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await served(await serveUserTenant(t, {}, files()));
    const as = (perms: readonly string[]) => m2mToken(tenant, perms, management);
    const put = async (perms: readonly string[], spec: string) =>
      call(tenant, "PUT", "/apis/orders/openapi", await as(perms), yaml(spec));

    // View: read:apis.
    assertForbidden(await call(tenant, "GET", "/apis/orders/openapi", await as([])), [P.read]);
    assert.equal((await call(tenant, "GET", "/apis/orders/openapi", await as([P.read]))).status, 200);

    // First import: create:api_scopes + update:apis.
    assertForbidden(await put([P.create], SPEC_V1), [P.update]);
    assertForbidden(await put([P.update], SPEC_V1), [P.create]);
    assertForbidden(await put([], SPEC_V1), [P.create, P.update]);
    const first = await put([P.create, P.update], SPEC_V1);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal((first.body.import as { action: string }).action, "upload");

    // Replacement: + delete:api_scopes.
    assertForbidden(await put([P.create, P.update], SPEC_V2), [P.remove]);
    assertForbidden(await put([P.update, P.remove], SPEC_V2), [P.create]);
    assertForbidden(await put([P.create, P.remove], SPEC_V2), [P.update]);
    const second = await put([P.create, P.update, P.remove], SPEC_V2);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal((second.body.import as { action: string }).action, "replace");

    // Deleting the import: update:apis + delete:api_scopes.
    assertForbidden(await call(tenant, "DELETE", "/apis/orders/openapi", await as([P.update])), [P.remove]);
    assertForbidden(await call(tenant, "DELETE", "/apis/orders/openapi", await as([P.remove])), [P.update]);
    const deleted = await call(tenant, "DELETE", "/apis/orders/openapi", await as([P.update, P.remove]));
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));

    // Scopes: create:api_scopes, update:api_scopes, delete:api_scopes, one each.
    const scope = json({ name: "export:orders", description: "Export" });
    assertForbidden(await call(tenant, "POST", "/apis/orders/scopes", await as([P.update]), scope), [
      P.create,
    ]);
    assert.equal(
      (await call(tenant, "POST", "/apis/orders/scopes", await as([P.create]), scope)).status,
      201,
    );
    const edit = json({ description: "Export all orders" });
    const patch = (perms: readonly string[]) =>
      as(perms).then((tk) => call(tenant, "PATCH", "/apis/orders/scopes/export:orders", tk, edit));
    assertForbidden(await patch([P.update]), [P.edit]);
    assert.equal((await patch([P.edit])).status, 200);
    const remove = (perms: readonly string[]) =>
      as(perms).then((tk) => call(tenant, "DELETE", "/apis/orders/scopes/export:orders", tk));
    assertForbidden(await remove([P.create, P.update]), [P.remove]);
    assert.equal((await remove([P.remove])).status, 200);
  });

  test("user tokens through a role: alice (replacer) replaces; bob (uploader) may upload but not replace", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const user = await serveUserTenant(t, {}, files());
    const { tenant, management } = await served(user);
    const tokenOf = async (email: string) =>
      (await signInAtWeb(user, { email, audience: management, scope: "openid" })).access_token;
    const bob = await tokenOf("bob@example.com");
    const first = await call(tenant, "PUT", "/apis/orders/openapi", bob, yaml(SPEC_V1));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assertForbidden(await call(tenant, "PUT", "/apis/orders/openapi", bob, yaml(SPEC_V2)), [P.remove]);
    const alice = await tokenOf("alice@example.com");
    const second = await call(tenant, "PUT", "/apis/orders/openapi", alice, yaml(SPEC_V2));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const carol = await tokenOf("carol@example.com");
    assertForbidden(await call(tenant, "DELETE", "/apis/orders/openapi", carol), [P.update, P.remove]);

    const [latest] = await tenant.store.revisions(1);
    assert.equal(latest?.actor, "user:alice via web");
    const audit = await tenant.store.audit(latest?.revision);
    assert.ok(audit.length > 0 && audit.every((row) => row.actor === "user:alice via web"));
  });
});
