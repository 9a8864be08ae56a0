/**
 * The plan stage's memo (src/plan/plan-memo.ts): a process's re-plans reuse desired rows and
 * comparisons of unchanged objects, and plan exactly what a fresh process would at every step: after
 * an apply, a hand edit by another writer, and edits to the manifests. A real SQLite file and a copy
 * of config/.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { deepFreeze } from "../../src/core/deep-freeze.ts";
import { applyPlan } from "../../src/engine/apply.ts";
import { earlierPlans, planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER, type Resource, type StoredResource } from "../../src/model/resources.ts";
import { makePlan, type Plan } from "../../src/plan/plan.ts";
import { PlanMemo } from "../../src/plan/plan-memo.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const ctx = { actor: "test", managedBy: RECONCILER };
/** A plan but its timestamp, which differs between any two plans. */
const contentOf = ({ createdAt: _, ...rest }: Plan) => rest;

describe("the plan stage's memo", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("re-plans with every memo plan what a fresh plan does, through applies, drift and edits", async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-plan-memo-"));
    const folder = path.join(dir, "config");
    await cp(path.join(REPO_ROOT, "config"), folder, { recursive: true });
    const file = path.join(dir, "store.db");
    const store = await openSqliteStore(file);
    t.after(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    const earlier = earlierPlans();
    /** A plan with the memos and a fresh one, which must agree; the memos' plan. */
    const plan = async (step: string) => {
      const kept = await planFolder(store, folder, earlier);
      const fresh = await planFolder(store, folder);
      assert.deepEqual(contentOf(kept.plan), contentOf(fresh.plan), step);
      return kept.plan;
    };
    const changes = (p: Plan) => p.changes.map((c) => `${c.action} ${c.kind} ${c.id}`);

    await applyPlan(store, await plan("from empty"), ctx);
    assert.deepEqual(changes(await plan("after the apply")), []);
    assert.deepEqual(changes(await plan("again, every comparison known")), []);

    // A hand edit through a second connection (another process): new rows, compared afresh.
    const other = await openSqliteStore(file);
    try {
      await other.transaction(
        async (tx) => {
          const alice = await tx.get("User", "alice");
          assert.ok(alice);
          await tx.put("User", "alice", { ...alice.props, displayName: "Mallory" }, ctx);
        },
        { ctx },
      );
    } finally {
      await other.close();
    }
    assert.deepEqual(changes(await plan("after drift")), ["update User alice"]);

    const users = path.join(folder, "users.yaml");
    await writeFile(users, (await readFile(users, "utf8")).replace("Bob Chen", "Robert Chen"));
    assert.deepEqual(changes(await plan("after an edit")), ["update User alice", "update User bob"]);
    await applyPlan(store, await plan("to apply"), ctx);
    assert.deepEqual(changes(await plan("after the second apply")), []);

    // A role's document changes: the role's row, and nothing kept from before, is what is compared.
    const roles = path.join(folder, "roles.yaml");
    const text = await readFile(roles, "utf8");
    const renamed = text.replace(/displayName: (.*)/, "displayName: $1 (renamed)");
    assert.notEqual(renamed, text);
    await writeFile(roles, renamed);
    const first = /name: (.*)/.exec(text)?.[1];
    assert.deepEqual(changes(await plan("after a role edit")), [`update Role ${first}`]);
  });

  test("a comparison is remembered only for two frozen rows: a row that can still change is compared again", () => {
    const desired: Resource = {
      kind: "Role",
      id: "reader",
      props: { displayName: "Reader", description: "", scopes: {} },
    };
    const row = { ...structuredClone(desired), managedBy: RECONCILER } as StoredResource;
    const memo = new PlanMemo();
    const input = { desired: [desired], current: [row], revision: 1, managedBy: RECONCILER, memo };
    assert.equal(makePlan(input).changes.length, 0);
    assert.equal(memo.knownEqual(desired, row), false, "neither is frozen");

    (row.props as { displayName: string }).displayName = "Changed by hand";
    assert.deepEqual(
      makePlan(input).changes.map((c) => c.action),
      ["update"],
    );

    const frozenDesired = structuredClone(desired);
    const frozenRow = structuredClone(row);
    (frozenRow.props as { displayName: string }).displayName = "Reader";
    deepFreeze(frozenDesired);
    deepFreeze(frozenRow);
    const frozen = { ...input, desired: [frozenDesired], current: [frozenRow] };
    assert.equal(makePlan(frozen).changes.length, 0);
    assert.equal(memo.knownEqual(frozenDesired, frozenRow), true);
    assert.equal(memo.knownEqual(frozenDesired, row), false, "the same desired row against another row");
  });
});
