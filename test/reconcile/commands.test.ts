/** The reconciler's other doors: the TTY prompt, applies outside git, `explain` and `history`. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { CLI_ARGV, REPO_ROOT, runCli, shellCommand } from "../support/cli.ts";
import { type GitTenant, gitTenant } from "../support/git-tenant.ts";

function cli(tenant: GitTenant, ...args: string[]) {
  return runCli([...args, "--store", tenant.store], { cwd: tenant.repo });
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` at the prompt. */
function onTerminal(
  tenant: GitTenant,
  answer: string,
  ...args: string[]
): { status: number | null; output: string } {
  const command = shellCommand([process.execPath, ...CLI_ARGV, ...args, "--store", tenant.store]);
  const result = spawnSync("script", ["-qec", command, "/dev/null"], {
    cwd: tenant.repo,
    input: `${answer}\n`,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, output: result.stdout };
}

// util-linux's `script` gives the CLI a real pseudo-terminal (Debian ships it in bsdutils).
describe("apply on a terminal", () => {
  test("asks before applying; anything but 'yes' cancels and changes nothing", async (t) => {
    const tenant = await gitTenant(t);
    const cancelled = onTerminal(tenant, "no", "apply", "config");
    assert.equal(cancelled.status, 1);
    assert.match(cancelled.output, /Apply these changes\? Only 'yes' will be accepted:/);
    assert.match(cancelled.output, /Apply cancelled; nothing was changed\./);
    assert.match(cli(tenant, "history").stdout, /none: nothing has been applied/);

    const applied = onTerminal(tenant, "yes", "apply", "config");
    assert.equal(applied.status, 0, applied.output);
    assert.match(applied.output, /Applied: the store is at revision 1/);
  });
});

describe("apply outside git", () => {
  test("works with a warning and records no commit", async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-nogit-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await cp(path.join(REPO_ROOT, "examples/minimal"), path.join(dir, "config"), { recursive: true });
    const store = path.join(dir, "store.db");
    const result = runCli(["apply", "config", "--yes", "--store", store], { cwd: dir });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /warning: config is not in a git repository: the apply records no commit/);
    assert.match(result.stdout, /Applied: the store is at revision 1\.$/m);
    const history = runCli(["history", "--store", store], { cwd: dir });
    assert.match(history.stdout, /r1 .*\(no commit\)/);
  });
});

describe("apply --secrets-out", () => {
  /** The store's revision, as `history --json` reports it (0: nothing applied). */
  function revisionOf(tenant: GitTenant): number {
    const history = cli(tenant, "history", "--json");
    const parsed = JSON.parse(history.stdout) as { revisions: { revision: number }[] };
    return parsed.revisions[0]?.revision ?? 0;
  }

  test("writes the new secrets to a new file with mode 0600, and prints none of them", {
    timeout: 60_000,
  }, async (t) => {
    const tenant = await gitTenant(t);
    const file = path.join(tenant.repo, "..", "secrets.json");
    const applied = cli(tenant, "apply", "config", "--yes", "--secrets-out", file);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(applied.stderr, /Wrote \d+ new secrets? to .*secrets\.json \(mode 0600\)/);
    const secrets = JSON.parse(await readFile(file, "utf8")) as { value: string }[];
    assert.ok(secrets.length > 0);
    for (const s of secrets) {
      assert.equal(
        applied.stdout.includes(s.value) || applied.stderr.includes(s.value),
        false,
        "a secret was printed",
      );
    }
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("an unwritable path is refused before the apply, naming the file: the store is unchanged", {
    timeout: 60_000,
  }, async (t) => {
    const tenant = await gitTenant(t);
    const file = path.join(tenant.repo, "..", "no-such-folder", "secrets.json");
    const refused = cli(tenant, "apply", "config", "--yes", "--secrets-out", file);
    assert.equal(refused.status, 1, refused.stdout);
    assert.equal(revisionOf(tenant), 0, "nothing was applied");
    assert.doesNotMatch(refused.stdout, /Applied/);
    assert.match(refused.stderr, /^error: cannot write secrets to .*no-such-folder\/secrets\.json: /m);
  });

  test("a symbolic link is refused (secrets are never written through one), and so is an existing file", {
    timeout: 60_000,
  }, async (t) => {
    const tenant = await gitTenant(t);
    const target = path.join(tenant.repo, "..", "elsewhere.json");
    await writeFile(target, "keep me\n", { mode: 0o600 });
    const link = path.join(tenant.repo, "..", "secrets.json");
    await symlink(target, link);
    const linked = cli(tenant, "apply", "config", "--yes", "--secrets-out", link);
    assert.equal(linked.status, 1, linked.stdout);
    assert.match(
      linked.stderr,
      /^error: .*secrets\.json is a symbolic link; secrets are not written through a link/m,
    );
    assert.equal(await readFile(target, "utf8"), "keep me\n", "the link's target is untouched");
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(revisionOf(tenant), 0, "nothing was applied");

    const existing = cli(tenant, "apply", "config", "--yes", "--secrets-out", target);
    assert.equal(existing.status, 1, existing.stdout);
    assert.match(
      existing.stderr,
      /^error: .*elsewhere\.json already exists; apply --secrets-out never overwrites/m,
    );
    assert.equal(await readFile(target, "utf8"), "keep me\n");
    assert.equal(revisionOf(tenant), 0, "nothing was applied");
  });

  test("an apply that generates no secret leaves no file behind", { timeout: 60_000 }, async (t) => {
    const tenant = await gitTenant(t);
    assert.equal(cli(tenant, "apply", "config", "--yes").status, 0);
    const apis = await readFile(path.join(tenant.config, "apis.yaml"), "utf8");
    await tenant.write("apis.yaml", apis.replace(/displayName: (.*)/, "displayName: $1 (renamed)"));
    tenant.commit("rename an Api");
    const file = path.join(tenant.repo, "..", "secrets.json");
    const applied = cli(tenant, "apply", "config", "--yes", "--secrets-out", file);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(applied.stdout, /Applied: the store is at revision 2/);
    assert.equal(existsSync(file), false);
  });
});

describe("explain and history", () => {
  test("explain user lists effective scopes per Api with their sources", async (t) => {
    const tenant = await gitTenant(t);
    assert.equal(cli(tenant, "apply", "config", "--yes").status, 0);
    const text = cli(tenant, "explain", "user", "alice");
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /get:products\s+role catalog-editor, role support-agent/);
    assert.match(text.stdout, /write:orders\s+additional/);
    const json = JSON.parse(cli(tenant, "explain", "user", "alice", "--json").stdout) as {
      scopes: { api: string; scope: string; sources: unknown[] }[];
    };
    const readOrders = json.scopes.find((s) => s.api === "orders" && s.scope === "read:orders");
    assert.deepEqual(readOrders?.sources, [{ role: "support-agent" }]);
    const unknown = cli(tenant, "explain", "user", "alise");
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no User "alise" in the store; did you mean "alice"\?/);
  });

  test("explain scope names every holder: roles, users and why, applications, API keys", async (t) => {
    const tenant = await gitTenant(t);
    assert.equal(cli(tenant, "apply", "config", "--yes").status, 0);
    const json = JSON.parse(
      cli(tenant, "explain", "scope", "catalog/get:products_productid_inventory", "--json").stdout,
    );
    assert.deepEqual(json.roles, ["catalog-editor"]);
    assert.deepEqual(json.users, [{ user: "alice", sources: ["role catalog-editor"] }]);
    assert.deepEqual(json.applications, ["storefront-backend", "web-example"]);
    assert.deepEqual(json.apiKeys, ["warehouse-scanner"]);
    assert.match(json.origin, /^openapi \(catalog-spec\)$/);
  });

  test("history shows revisions with commits, and one import's full log", async (t) => {
    const tenant = await gitTenant(t);
    assert.equal(cli(tenant, "apply", "config", "--yes").status, 0);
    const history = cli(tenant, "history");
    assert.match(history.stdout, /r1 .* [0-9a-f]{12} initial manifests\s+46 create/);
    assert.match(history.stdout, /#1 .* upload\s+catalog-spec → catalog/);
    const log = cli(tenant, "history", "--import", "1");
    assert.match(log.stdout, /duplicate\s+get:health\s+\(GET \/health; already held by a manual scope\)/);
    assert.match(log.stdout, /created\s+get:categories\s+\(GET \/categories\)/);
    const missing = cli(tenant, "history", "--import", "9");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no import #9/);
  });
});
