/**
 * The store contract (issue 14) as the reconciler uses it, on every backend (test/support/stores.ts):
 * the engine's plan and apply (engine/plan-folder.ts, engine/apply.ts) of the project's own config/
 * folder. Everything it wrote reads back as written, so a second plan has nothing to do; and a User
 * disabled in the manifests loses its sign-ins in the apply that disables it.
 */
import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { tempDirs } from "./helpers.ts";

const tempDir = tempDirs("store-reconciler");
const ctx = { actor: "test", managedBy: RECONCILER };

/** A copy of config/ outside git (so no commit), to edit. */
async function configCopy(): Promise<string> {
  const folder = path.join(await tempDir(), "config");
  await cp(path.join(REPO_ROOT, "config"), folder, { recursive: true });
  return folder;
}

forEachStore((backend) => {
  describe(`${backend.name} store: the reconciler`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test(
      "config/ applied in one revision plans nothing more; disabling a user ends its sign-ins in that apply",
      { timeout: STORE_TEST_TIMEOUT_MS },
      () =>
        withStore(backend, async ({ store }) => {
          const folder = await configCopy();
          const { plan } = await planFolder(store, folder);
          assert.ok(plan.changes.length > 10, `only ${plan.changes.length} changes`);
          const applied = await applyPlan(store, plan, ctx);
          assert.equal(applied.revision, 1);
          assert.equal((await store.listAll()).length, plan.summary.create);
          assert.deepEqual((await store.revisions(1))[0]?.summary, { ...plan.summary });
          assert.ok((await store.imports()).length > 0, "config/ imports an OpenAPI file");

          // What the store gives back is what was put: the next plan finds nothing to change.
          const again = (await planFolder(store, folder)).plan;
          assert.deepEqual(
            again.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
            [],
          );
          assert.deepEqual(again.summary, { create: 0, update: 0, replace: 0, delete: 0 });
          assert.equal(again.revision, 1);

          // alice signs in at web-example; then the manifests disable her.
          await store.createGrant(
            {
              id: "g-alice",
              clientId: "web-example",
              userId: "alice",
              scopes: ["openid", "offline_access"],
              audiences: [],
              granted: { openIdScopes: ["openid", "offline_access"], audiences: [] },
              authTime: 1_893_456_000,
              createdAt: "2030-01-01T00:00:00.000Z",
            },
            {
              codeSha256: "code-alice",
              grantId: "g-alice",
              redirectUri: "http://localhost:3000/callback",
              codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
              expiresAt: "2030-01-01T00:10:00.000Z",
            },
          );
          assert.equal((await store.redeemCode("code-alice", "2030-01-01T00:01:00.000Z")).status, "ok");
          const users = path.join(folder, "users.yaml");
          const text = await readFile(users, "utf8");
          assert.ok(text.includes("  name: Alice Martin\n"));
          await writeFile(
            users,
            text.replace("  name: Alice Martin\n", "  name: Alice Martin\n  disabled: true\n"),
          );
          const disable = (await planFolder(store, folder)).plan;
          assert.deepEqual(
            disable.changes.map((c) => `${c.action} ${c.kind} ${c.id}`),
            ["update User alice"],
          );
          assert.equal((await applyPlan(store, disable, ctx)).revision, 2);
          const grant = (await store.grant("g-alice")) ?? assert.fail("the grant is gone");
          assert.equal(grant.revokedReason, "user disabled");
          assert.deepEqual(
            (await store.audit(2)).map((a) => `${a.kind}:${a.id}`),
            ["User:alice"],
          );
          assert.deepEqual((await planFolder(store, folder)).plan.changes, []);
        }),
    );
  });
});
