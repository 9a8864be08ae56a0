/**
 * The management writes (src/engine/management/) on both stores, SQLite and PostgreSQL: uploads to one
 * Api from two replicas at once serialize and both land (each decided against the other's rows), and a
 * scope created and deleted at once by two replicas ends in one consistent state.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { applyPlan } from "../../src/engine/apply.ts";
import type { ManagementActor } from "../../src/engine/management/actor.ts";
import { uploadSpec } from "../../src/engine/management/openapi-import.ts";
import { createScope } from "../../src/engine/management/scopes.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { importSpecBytes } from "../../src/openapi/index.ts";
import { SPEC_V1, SPEC_V2 } from "../support/management-tenant.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER } from "../support/token-server.ts";

const ACTOR: ManagementActor = {
  clientId: "ci",
  permissions: new Set(["create:api_scopes", "update:apis", "delete:api_scopes"]),
};

// The actor's client, authorized at the management Api (default audience: the default issuer's /v1):
// writes check the permissions the store grants it now.
const MANIFESTS = [
  `${API_HEADER("Api", "management")}spec:\n  audience: http://localhost:8080/v1\n  scopes: [{ name: "create:api_scopes" }, { name: "update:apis" }, { name: "delete:api_scopes" }]\n`,
  `${API_HEADER("Application", "ci")}spec:\n  type: m2m\n  apis:\n    management: { scopes: all }\n`,
  `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes: [{ name: "get:health" }]\n`,
  `${API_HEADER("OpenApiSource", "orders-spec")}spec:\n  api: orders\n  upload: true\n`,
].join("---\n");

const imported = (spec: string) =>
  importSpecBytes(Buffer.from(spec), { name: "upload.yaml", format: "yaml" });

forEachStore((backend) => {
  describe(`management writes on ${backend.name}`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test("two replicas uploading to one Api at once: both land, one after the other", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-management-writes-"));
      try {
        await writeFile(path.join(dir, "tenant.yaml"), MANIFESTS);
        await withStore(backend, async ({ store, reopen }) => {
          const { plan } = await planFolder(store, dir);
          await applyPlan(store, plan, { actor: "test", managedBy: RECONCILER });
          const replica = await reopen();
          const [v1, v2] = await Promise.all([imported(SPEC_V1), imported(SPEC_V2)]);
          const answers = await Promise.all([
            uploadSpec(store, ACTOR, { api: "orders", imported: v1, dryRun: false }),
            uploadSpec(replica, ACTOR, { api: "orders", imported: v2, dryRun: false }),
          ]);
          const revisions = answers.map((a) => a.import.revision).sort();
          const base = plan.revision + 1;
          assert.deepEqual(revisions, [base + 1, base + 2]);
          const history = (await store.imports()).reverse();
          assert.deepEqual(
            history.map((r) => r.action),
            ["upload", "replace"],
          );
          // The rows are the later upload's spec, whichever it was.
          const later = history[1]?.file.sha256 === v1.file.sha256 ? v1 : v2;
          const generated = (await store.list("Scope"))
            .filter((r) => r.props.origin === "openapi")
            .map((r) => r.props.name)
            .sort();
          const expected = later.scopes
            .map((s) => s.name)
            .filter((n) => n !== "get:health")
            .sort();
          assert.deepEqual(generated, expected);

          // A scope created by both replicas at once: one 201, one conflict, one row.
          const results = await Promise.allSettled([
            createScope(
              store,
              { ...ACTOR },
              { api: "orders", body: { name: "export:orders" }, dryRun: false },
            ),
            createScope(
              replica,
              { ...ACTOR },
              { api: "orders", body: { name: "export:orders" }, dryRun: false },
            ),
          ]);
          assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
          const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
          assert.match(String(rejected.reason), /already has the scope "export:orders"/);
          assert.equal((await store.list("Scope")).filter((r) => r.props.name === "export:orders").length, 1);
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
