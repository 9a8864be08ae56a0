/**
 * `scopectl apply PLANFILE` refuses a saved plan that is truncated, hand-edited, of another format
 * version, or that says it cannot be applied: exit 1, a message naming the file (and the field), and
 * the store unchanged. The real CLI, a real SQLite file, a real git repository in a temp folder.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { runCli } from "../support/cli.ts";
import { type GitTenant, gitTenant } from "../support/git-tenant.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

function cli(tenant: GitTenant, ...args: string[]) {
  return runCli([...args, "--store", tenant.store], { cwd: tenant.repo });
}

/** What an apply could change: the revision and every row, as the store lists them. */
async function storeState(tenant: GitTenant): Promise<string> {
  const store = await openSqliteStore(tenant.store);
  try {
    return JSON.stringify({ revision: await store.revision(), rows: await store.listAll() });
  } finally {
    await store.close();
  }
}

describe("apply with a saved plan file that cannot be used", { timeout: SUITE_TIMEOUT_MS }, () => {
  // One tenant for all cases (each CLI run costs seconds): applied once, then a one-change plan saved.
  let tenant: GitTenant;
  let dir: string;
  let planText: string;

  async function setUp(t: TestContext): Promise<void> {
    tenant = await gitTenant(t);
    dir = path.dirname(tenant.store);
    const first = cli(tenant, "apply", "config", "--yes");
    assert.equal(first.status, 0, first.stderr);
    const roles = path.join(tenant.config, "roles.yaml");
    const text = await readFile(roles, "utf8");
    assert.ok(text.includes("displayName: Auditor"));
    await writeFile(roles, text.replace("displayName: Auditor", "displayName: External auditor"));
    tenant.commit("rename the auditor role");
    const saved = cli(tenant, "plan", "config", "--out", path.join(dir, "plan.json"));
    assert.equal(saved.status, 0, saved.stderr);
    planText = await readFile(path.join(dir, "plan.json"), "utf8");
    const json = JSON.parse(planText) as { format: string; applicable: boolean; changes: unknown[] };
    assert.equal(json.format, "scopectl-plan");
    assert.equal(json.applicable, true);
    assert.equal(json.changes.length, 1);
  }

  /** Writes `text` as a plan file, applies it, and checks the refusal and that nothing changed. */
  async function refusedApply(name: string, text: string, pattern: RegExp): Promise<void> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    const before = await storeState(tenant);
    const result = cli(tenant, "apply", file, "--yes");
    assert.equal(result.status, 1, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.ok(!/Applied:/.test(result.stdout), result.stdout);
    assert.equal(await storeState(tenant), before, "the store changed");
  }

  function edited(change: (json: Record<string, unknown>) => void): string {
    const json = JSON.parse(planText) as Record<string, unknown>;
    change(json);
    return JSON.stringify(json, null, 2);
  }

  test("each is refused, naming the file and the field, and the store is unchanged", async (t) => {
    await setUp(t);
    await t.test("a truncated plan file", async () => {
      await refusedApply(
        "truncated.json",
        planText.slice(0, Math.floor(planText.length / 2)),
        /^error: \S*truncated\.json is not a saved plan: it is not complete JSON \(.+\); was it cut short or edited by hand\? Make a new one with scopectl plan --out$/m,
      );
    });

    await t.test("a hand-edited field of the wrong type", async () => {
      await refusedApply(
        "wrong-type.json",
        edited((json) => {
          json.revision = "1";
        }),
        /^error: \S*wrong-type\.json is not a valid saved plan: revision must be an integer, not a string; make a new one with scopectl plan --out$/m,
      );
    });

    await t.test("another format version", async () => {
      await refusedApply(
        "version.json",
        edited((json) => {
          json.formatVersion = 2;
        }),
        /^error: \S*version\.json has formatVersion 2, and this scopectl reads version 1 only; make a new one with scopectl plan --out$/m,
      );
    });

    await t.test("a plan file that says it cannot be applied", async () => {
      await refusedApply(
        "not-applicable.json",
        edited((json) => {
          json.applicable = false;
          json.blockers = [
            { reason: "conflicts", message: "the plan has 1 conflict and cannot be applied: x" },
          ];
        }),
        /^error: \S*not-applicable\.json says it cannot be applied: the plan has 1 conflict and cannot be applied: x$/m,
      );
    });

    await t.test("a plan with conflicts is saved as not applicable, and apply refuses it", async () => {
      const foreign = { actor: "pulumi", managedBy: "pulumi:dev" };
      const store = await openSqliteStore(tenant.store);
      try {
        await store.transaction(
          async (tx) => {
            await tx.put("Role", "from-pulumi", { displayName: "P", description: "", scopes: {} }, foreign);
          },
          { ctx: foreign },
        );
      } finally {
        await store.close();
      }
      await tenant.write(
        "foreign.yaml",
        "apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: from-pulumi\nspec: {}\n",
      );
      tenant.commit("declare the pulumi role");
      const file = path.join(dir, "conflicts.json");
      assert.equal(cli(tenant, "plan", "config", "--out", file).status, 1, "a plan with conflicts exits 1");
      const json = JSON.parse(await readFile(file, "utf8")) as {
        applicable: boolean;
        blockers: { reason: string; message: string }[];
      };
      assert.equal(json.applicable, false);
      assert.deepEqual(
        json.blockers.map((b) => b.reason),
        ["conflicts"],
      );
      assert.match(json.blockers[0]?.message ?? "", /managed by "pulumi:dev"/);
      await refusedApply(
        "conflicts.json",
        await readFile(file, "utf8"),
        /^error: the plan has 1 conflict and cannot be applied: .*managed by "pulumi:dev"/m,
      );
    });
  });
});
