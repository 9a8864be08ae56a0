/**
 * The reconciler end to end: the real CLI, a real SQLite file, real git repositories in temp folders.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { CLI_ARGV, runCli } from "../support/cli.ts";
import { type GitTenant, gitTenant } from "../support/git-tenant.ts";

function cli(tenant: GitTenant, ...args: string[]) {
  return runCli([...args, "--store", tenant.store], { cwd: tenant.repo });
}

function applyOk(tenant: GitTenant, ...extra: string[]) {
  const result = cli(tenant, "apply", "config", "--yes", ...extra);
  assert.equal(result.status, 0, `apply failed:\n${result.stderr}\n${result.stdout}`);
  return result;
}

async function withStore<T>(tenant: GitTenant, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(tenant.store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const CONFIG_RESOURCES = 46; // 1 Settings, 4 Apis, 2 OpenApiSources, 24 Scopes, 5 Roles, 3 Users, 6 Applications, 1 ApiKey

describe("scopectl plan and apply", () => {
  test("first apply creates everything, records the commit, and shows generated secrets once", async (t) => {
    const tenant = await gitTenant(t);
    const sha = tenant.git("rev-parse", "HEAD");
    const plan = cli(tenant, "plan", "config");
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(
      plan.stdout,
      new RegExp(`Plan: ${CONFIG_RESOURCES} to create, 0 to update, 0 to replace, 0 to delete\\.`),
    );

    const applied = applyOk(tenant);
    assert.match(applied.stdout, /Applied: the store is at revision 1 \(commit [0-9a-f]{12}\)/);
    const secrets = applied.stdout.match(/(scs|sck)_[A-Za-z0-9_-]{20,}/g) ?? [];
    assert.equal(secrets.length, 6, "five generated client secrets and one API key");

    await withStore(tenant, async (store) => {
      assert.equal(await store.revision(), 1);
      assert.equal((await store.listAll()).length, CONFIG_RESOURCES);
      const [revision] = await store.revisions(1);
      assert.equal(revision?.commit?.sha, sha);
      assert.equal(revision?.commit?.subject, "initial manifests");
      // Only hashes are stored: no secret value appears anywhere in the store's rows or audit.
      const dump = JSON.stringify([await store.listAll(), await store.audit()]);
      for (const secret of secrets) assert.ok(!dump.includes(secret), "a secret leaked into the store");
      const [first] = await store.imports("catalog-spec");
      assert.equal(first?.action, "upload");
      assert.equal(first?.log.filter((e) => e.action === "created").length, 12);
      assert.equal(first?.log.filter((e) => e.action === "duplicate").length, 1);
    });
  });

  test("a re-plan with nothing changed says so and exits 0 with --detailed-exitcode; changes exit 2", async (t) => {
    const tenant = await gitTenant(t);
    applyOk(tenant);
    const noop = cli(tenant, "plan", "config", "--detailed-exitcode");
    assert.equal(noop.status, 0, noop.stderr);
    assert.match(noop.stdout, /No changes\./);

    await tenant.write(
      "roles.yaml",
      (await readFile(path.join(tenant.config, "roles.yaml"), "utf8")).replace(
        "Read-only access",
        "Read access",
      ),
    );
    tenant.commit("reword the auditor role");
    const changed = cli(tenant, "plan", "config", "--detailed-exitcode");
    assert.equal(changed.status, 2, changed.stderr);
    assert.match(changed.stdout, /Plan: 0 to create, 1 to update, 0 to replace, 0 to delete\./);
  });

  test("--json prints revision, commit and changes with action, kind, id, diff and impact", async (t) => {
    const tenant = await gitTenant(t);
    const result = cli(tenant, "plan", "config", "--json");
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as {
      revision: number;
      commit: { sha: string };
      changes: { action: string; kind: string; id: string; diff: unknown; impact?: unknown }[];
    };
    assert.equal(plan.revision, 0);
    assert.equal(plan.commit.sha, tenant.git("rev-parse", "HEAD"));
    assert.equal(plan.changes.length, CONFIG_RESOURCES);
    for (const change of plan.changes) {
      assert.equal(change.action, "create");
      assert.ok("kind" in change && "id" in change && "diff" in change);
    }
    // Parents first: the Settings and Apis before their scopes, scopes before the roles that grant them.
    const order = plan.changes.map((c) => c.kind);
    assert.ok(order.lastIndexOf("Api") < order.indexOf("Scope"));
    assert.ok(order.lastIndexOf("Scope") < order.indexOf("Role"));
  });

  test("--markdown renders a table for a pull-request comment", async (t) => {
    const tenant = await gitTenant(t);
    const result = cli(tenant, "plan", "config", "--markdown");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\|.*Kind.*\|.*Id.*\|/m);
    assert.match(result.stdout, /^\|.*Api.*\|.*orders.*\|/m);
  });

  test("a dirty work tree is refused unless --allow-dirty; outside git the apply warns", async (t) => {
    const tenant = await gitTenant(t);
    await tenant.write(
      "extra.yaml",
      "apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: extra\nspec: {}\n",
    );
    const refused = cli(tenant, "apply", "config", "--yes");
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /config has uncommitted changes; commit them .* or pass --allow-dirty/);
    await assert.rejects(
      stat(tenant.store)
        .then(async () => withStore(tenant, async (s) => assert.equal(await s.revision(), 0)))
        .then(() => {
          throw new Error("ok");
        }),
      /ok/,
    );
    const allowed = applyOk(tenant, "--allow-dirty");
    assert.match(allowed.stderr, /applying uncommitted changes/);
  });

  test("apply without a terminal and without --yes refuses and changes nothing", async (t) => {
    const tenant = await gitTenant(t);
    const result = cli(tenant, "apply", "config");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no terminal to ask for confirmation; pass --yes/);
    await withStore(tenant, async (store) => assert.equal(await store.revision(), 0));
  });

  test("a saved plan applies, and a stale saved plan is refused", async (t) => {
    const tenant = await gitTenant(t);
    const planFile = path.join(path.dirname(tenant.store), "plan.json");
    assert.equal(cli(tenant, "plan", "config", "--out", planFile).status, 0);
    assert.equal(((await stat(planFile)).mode & 0o777).toString(8), "600");
    const planText = await readFile(planFile, "utf8");
    assert.ok(!/sc[sk]_/.test(planText), "a plan holds no secret");

    const second = path.join(path.dirname(tenant.store), "plan2.json");
    assert.equal(cli(tenant, "plan", "config", "--out", second).status, 0);
    const applied = cli(tenant, "apply", planFile, "--yes");
    assert.equal(applied.status, 0, applied.stderr);
    const stale = cli(tenant, "apply", second, "--yes");
    assert.equal(stale.status, 1);
    assert.match(
      stale.stderr,
      /the store is at revision 1, but the plan was made against revision 0; make a new plan/,
    );
    await withStore(tenant, async (store) => assert.equal(await store.revision(), 1));
  });

  test("--secrets-out writes the generated secrets to a 0600 file instead of printing them", async (t) => {
    const tenant = await gitTenant(t);
    const file = path.join(path.dirname(tenant.store), "secrets.json");
    const result = applyOk(tenant, "--secrets-out", file);
    assert.ok(!/sc[sk]_[A-Za-z0-9]/.test(result.stdout), "secrets printed although --secrets-out was given");
    assert.equal(((await stat(file)).mode & 0o777).toString(8), "600");
    const secrets = JSON.parse(await readFile(file, "utf8")) as {
      kind: string;
      id: string;
      field: string;
      value: string;
    }[];
    assert.deepEqual(secrets.map((s) => `${s.kind}/${s.id}/${s.field}`).sort(), [
      "ApiKey/warehouse-scanner/apiKey",
      "Application/catalog-api/clientSecret",
      "Application/ops-dashboard/clientSecret",
      "Application/order-exporter/clientSecret",
      "Application/storefront-backend/clientSecret",
      "Application/web-example/clientSecret",
    ]);
  });
});

describe("two applies at once", () => {
  test("one wins, the other fails with a clear message, and nothing is lost", async (t) => {
    const tenant = await gitTenant(t);
    applyOk(tenant);
    const dir = path.dirname(tenant.store);
    // Two reviewed plans made against the same revision: one renames a role's title, one a user's name.
    const roles = path.join(tenant.config, "roles.yaml");
    const users = path.join(tenant.config, "users.yaml");
    const rolesText = await readFile(roles, "utf8");
    const usersText = await readFile(users, "utf8");
    await writeFile(roles, rolesText.replace("displayName: Auditor", "displayName: External auditor"));
    tenant.commit("rename the auditor role");
    assert.equal(cli(tenant, "plan", "config", "--out", path.join(dir, "a.json")).status, 0);
    await writeFile(roles, rolesText);
    await writeFile(users, usersText.replace("name: Bob Chen", "name: Robert Chen"));
    tenant.commit("rename bob");
    assert.equal(cli(tenant, "plan", "config", "--out", path.join(dir, "b.json")).status, 0);

    const results = await Promise.all(
      ["a.json", "b.json"].map(
        (file) =>
          new Promise<{ file: string; status: number | null; stderr: string }>((resolve) => {
            const child = spawn(
              process.execPath,
              [...CLI_ARGV, "apply", path.join(dir, file), "--yes", "--store", tenant.store],
              {
                cwd: tenant.repo,
                env: { ...process.env, NO_COLOR: "1" },
              },
            );
            let stderr = "";
            child.stderr.on("data", (chunk) => {
              stderr += chunk;
            });
            child.on("exit", (status) => resolve({ file, status, stderr }));
          }),
      ),
    );
    const winners = results.filter((r) => r.status === 0);
    const losers = results.filter((r) => r.status !== 0);
    assert.equal(winners.length, 1, JSON.stringify(results));
    assert.equal(losers.length, 1);
    assert.match(
      losers[0]?.stderr ?? "",
      /the store is at revision 2, but the plan was made against revision 1; make a new plan|another writer held the store's write lock/,
    );

    await withStore(tenant, async (store) => {
      assert.equal(await store.revision(), 2);
      const auditor = await store.get("Role", "auditor");
      const bob = await store.get("User", "bob");
      const aWon = winners[0]?.file === "a.json";
      assert.equal(auditor?.props.displayName, aWon ? "External auditor" : "Auditor");
      assert.equal(bob?.props.displayName, aWon ? "Bob Chen" : "Robert Chen");
    });
    // Nothing is lost: the loser re-plans from the manifests (which now hold both edits) and applies.
    await writeFile(roles, rolesText.replace("displayName: Auditor", "displayName: External auditor"));
    tenant.commit("both edits");
    applyOk(tenant);
    await withStore(tenant, async (store) => {
      assert.equal((await store.get("Role", "auditor"))?.props.displayName, "External auditor");
      assert.equal((await store.get("User", "bob"))?.props.displayName, "Robert Chen");
    });
  });
});
