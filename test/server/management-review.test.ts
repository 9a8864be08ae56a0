/**
 * Regressions of the outside review of the management writes (each seen failing before its fix):
 * permissions a commit took away refuse the next write although the served snapshot is older; an Api
 * removed from git takes the scopes API clients wrote with it; uploads to a source a Pulumi stack
 * declares, or to a source git renamed, are left alone by git's plan; a plan whose reads straddle an
 * upload is stale; descriptions with bidirectional controls are refused.
 */
import assert from "node:assert/strict";
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import type { Store } from "../../src/store/store.ts";
import {
  call,
  json,
  m2mToken,
  managementFiles,
  P,
  SPEC_V1,
  SPEC_V2,
  served,
  yaml,
} from "../support/management-tenant.ts";
import { serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import type { ServedTenant } from "../support/token-server.ts";
import { signInAtWeb } from "../support/user-tokens.ts";

const TEST_TIMEOUT_MS = 120_000;
const FULL = [P.create, P.update, P.remove];

async function writeFolder(tenant: ServedTenant, files: Record<string, string>): Promise<void> {
  for (const name of await readdir(tenant.dir))
    if (name.endsWith(".yaml")) await rm(path.join(tenant.dir, name));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(tenant.dir, name), content);
}

const summary = (plan: { changes: { action: string; id: string; note?: string }[] }) =>
  plan.changes
    .filter((c) => c.id.startsWith("orders/"))
    .map((c) => `${c.action} ${c.id}${c.note ? ` (${c.note})` : ""}`);

describe("management writes: the review's regressions", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a commit that takes a permission away, or disables the client, refuses the next write before the snapshot shows it", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    // A snapshot that stays old: the served state lags the store by up to this poll interval.
    const user = await serveUserTenant(t, { pollIntervalMs: 60_000 }, managementFiles());
    const { tenant, management } = await served(user);
    const alice = (
      await signInAtWeb(user, { email: "alice@example.com", audience: management, scope: "openid" })
    ).access_token;
    const m2m = await m2mToken(tenant, FULL, management);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", m2m, yaml(SPEC_V1))).status, 200);

    const files = managementFiles()(new URL(tenant.url).origin);
    files["roles.yaml"] = (files["roles.yaml"] as string).replace(`, "${P.remove}"]`, "]");
    files["apps.yaml"] = (files["apps.yaml"] as string).replace(
      /(name: m-cud\nspec:\n {2}type: m2m\n)/,
      "$1  disabled: true\n",
    );
    await tenant.apply(files);
    const revision = await tenant.store.revision();

    const replace = await call(tenant, "PUT", "/apis/orders/openapi", alice, yaml(SPEC_V2));
    assert.equal(replace.status, 403, JSON.stringify(replace.body));
    assert.match(String(replace.headers.get("www-authenticate")), /scope="delete:api_scopes"/);
    const deletion = await call(tenant, "DELETE", "/apis/orders/openapi", m2m);
    assert.equal(deletion.status, 403, JSON.stringify(deletion.body));
    assert.match(String(deletion.headers.get("www-authenticate")), /scope="update:apis delete:api_scopes"/);
    assert.equal(await tenant.store.revision(), revision, "nothing written");
  });

  test("an Api removed from git takes the scopes API clients wrote for it, uploaded or by hand", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await served(await serveUserTenant(t, {}, managementFiles()));
    const token = await m2mToken(tenant, FULL, management);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status, 200);
    assert.equal(
      (await call(tenant, "POST", "/apis/orders/scopes", token, json({ name: "refund:orders" }))).status,
      201,
    );
    const files = managementFiles()(new URL(tenant.url).origin);
    files["apis.yaml"] = (files["apis.yaml"] as string)
      .split("---\n")
      .filter((doc) => !doc.includes("orders"))
      .join("---\n");
    files["apps.yaml"] = (files["apps.yaml"] as string).replaceAll("    orders: { scopes: all }\n", "");
    await writeFolder(tenant, files);
    const { plan } = await planFolder(tenant.store, tenant.dir);
    const removed = 'taken over from "api:m-cud": its Api is removed';
    assert.deepEqual(
      summary(plan).filter((line) => line.includes("api:")),
      [
        `delete orders/get:orders (${removed})`,
        `delete orders/get:orders_orderid (${removed})`,
        `delete orders/post:orders (${removed})`,
        `delete orders/refund:orders (${removed})`,
      ],
    );
    await applyPlan(tenant.store, plan, { actor: "test", managedBy: RECONCILER });
    assert.deepEqual(
      (await tenant.store.list("Scope")).filter((r) => r.props.api === "orders"),
      [],
    );
  });

  test("uploads to a source a Pulumi stack declares, or to a source git renamed, are left alone; the next upload owns them", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const pulumi = await served(await serveUserTenant(t, {}, managementFiles({ spec: null })));
    const ctx = { actor: "pulumi", managedBy: "pulumi:dev" };
    const { revision } = await pulumi.tenant.store.transaction(
      (tx) => tx.put("OpenApiSource", "orders-pulumi", { api: "orders", upload: true }, ctx),
      { ctx },
    );
    await pulumi.tenant.served(revision);
    const token = await m2mToken(pulumi.tenant, FULL, pulumi.management);
    assert.equal(
      (await call(pulumi.tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status,
      200,
    );
    const pulumiPlan = (await planFolder(pulumi.tenant.store, pulumi.tenant.dir)).plan;
    assert.deepEqual(summary(pulumiPlan), []);

    const renamed = await served(await serveUserTenant(t, {}, managementFiles()));
    const renamedToken = await m2mToken(renamed.tenant, FULL, renamed.management);
    assert.equal(
      (await call(renamed.tenant, "PUT", "/apis/orders/openapi", renamedToken, yaml(SPEC_V1))).status,
      200,
    );
    const files = managementFiles()(new URL(renamed.tenant.url).origin);
    files["apis.yaml"] = (files["apis.yaml"] as string).replace("name: orders-spec", "name: orders-openapi");
    await writeFolder(renamed.tenant, files);
    const { plan } = await planFolder(renamed.tenant.store, renamed.tenant.dir);
    assert.deepEqual(summary(plan), []);
    assert.deepEqual(
      plan.leftAlone.filter((r) => r.kind === "Scope").map((r) => r.reason),
      Array(3).fill("generated by uploads to OpenApiSource orders-openapi"),
    );
    await applyPlan(renamed.tenant.store, plan, { actor: "test", managedBy: RECONCILER });
    await renamed.tenant.served(await renamed.tenant.store.revision());
    const next = await call(renamed.tenant, "PUT", "/apis/orders/openapi", renamedToken, yaml(SPEC_V2));
    assert.equal(next.status, 200, JSON.stringify(next.body));
    const sources = (await renamed.tenant.store.list("Scope"))
      .filter((r) => r.props.origin === "openapi")
      .map((r) => `${r.props.name} ${r.props.source}`)
      .sort();
    assert.deepEqual(sources, [
      "delete:orders_orderid orders-openapi",
      "get:orders orders-openapi",
      "get:orders_orderid orders-openapi",
    ]);
  });

  test("an upload that lands while a plan reads the store makes that plan stale", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await served(await serveUserTenant(t, {}, managementFiles()));
    const token = await m2mToken(tenant, FULL, management);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status, 200);
    await writeFolder(tenant, managementFiles({ grantGenerated: true })(new URL(tenant.url).origin));
    // The replacement (it drops post:orders, which the new Role grants) commits between the plan's reads.
    let landed = false;
    const racing = new Proxy(tenant.store, {
      get(target, prop) {
        if (prop === "listAll") {
          return async () => {
            const rows = await target.listAll();
            if (!landed) {
              landed = true;
              const answer = await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V2));
              assert.equal(answer.status, 200, JSON.stringify(answer.body));
            }
            return rows;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store;
    await assert.rejects(planFolder(racing, tenant.dir), /unknown scope "post:orders"/);
    assert.ok(landed);
  });

  test("a description with a C1 or bidirectional control character is refused", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await served(await serveUserTenant(t, {}, managementFiles()));
    const token = await m2mToken(tenant, FULL, management);
    for (const description of ["pay \u202etxt.exe", "csi \u009b31m"]) {
      const answer = await call(
        tenant,
        "POST",
        "/apis/orders/scopes",
        token,
        json({ name: "x:y", description }),
      );
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(String(answer.body.error_description), /control or bidirectional formatting character/);
    }
  });
});
