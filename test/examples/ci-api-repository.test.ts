/**
 * examples/ci/api-repository: the workflow parses and keeps the secrets away from the repository's
 * code, every `scopectl openapi upload` option the recipe and its README use exists, the config
 * repository's documents validate, its links resolve, and the recipe's shell actually works: the
 * workflow's dry-run and upload steps and the plain script run here against the real token service
 * serving those documents, with `npx` pointing at this checkout's CLI.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { parseDocument } from "yaml";
import { CLI_SHELL, REPO_ROOT, runCli } from "../support/cli.ts";
import { SPEC_V1, SPEC_V2 } from "../support/management-tenant.ts";
import { markdownLinks } from "../support/markdown.ts";
import { freePort } from "../support/net.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { serveTenant } from "../support/token-server.ts";
import { assertNoSecrets } from "../support/upload-cli.ts";

const RECIPE = path.join(REPO_ROOT, "examples/ci/api-repository");
const SERVER = "https://auth.example.com";
const TEST_TIMEOUT_MS = 240_000;
/** A GitHub Actions expression as the workflow spells it: `${{ name }}`. */
const expression = (name: string): string => `\${{ ${name} }}`;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string;
  steps: Step[];
}
interface Workflow {
  on: { pull_request: unknown; push: { branches: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

async function workflow(): Promise<Workflow> {
  const doc = parseDocument(await readFile(path.join(RECIPE, "openapi-upload.yml"), "utf8"));
  assert.deepEqual(
    doc.errors.map((e) => e.message),
    [],
  );
  return doc.toJS() as Workflow;
}

function job(flow: Workflow, name: string): Job {
  const found = flow.jobs[name];
  assert.ok(found, `no ${name} job`);
  return found;
}

function step(found: Job, prefix: string): Step {
  const s = found.steps.find((candidate) => candidate.name?.startsWith(prefix));
  assert.ok(s?.run, `no step "${prefix}…"`);
  return s;
}

/** The options of every `scopectl openapi upload` (or `$scopectl openapi upload`) in `text`. */
function uploadInvocations(text: string): { flags: string[]; line: string }[] {
  return text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .flatMap((line) => {
      const at = /scopectl(@\S+)?"? openapi upload /.exec(line);
      if (!at) return [];
      const rest = line.slice(at.index + at[0].length);
      return [{ flags: rest.match(/--[a-z][a-z-]*/g) ?? [], line: line.trim() }];
    });
}

describe("examples/ci/api-repository", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the workflow: a dry run on same-repository pull requests, the upload on main, secrets only where scopectl runs", {
    timeout: 30_000,
  }, async () => {
    const flow = await workflow();
    assert.deepEqual(flow.on.push.branches, ["main"]);
    assert.ok("pull_request" in flow.on);
    assert.deepEqual(flow.permissions, { contents: "read" });
    assert.match(flow.env.SCOPECTL_VERSION ?? "", /^\d+\.\d+\.\d+$/);
    const build = job(flow, "build");
    const dryRun = job(flow, "dry-run");
    const upload = job(flow, "upload");
    assert.doesNotMatch(
      JSON.stringify(build),
      /secrets\./,
      "the build job runs the repository's code: no secrets",
    );
    for (const [name, j] of [
      ["dry-run", dryRun],
      ["upload", upload],
    ] as const) {
      assert.equal(j.needs, "build");
      assert.ok(
        !j.steps.some((s) => s.uses?.startsWith("actions/checkout")),
        `${name} must not check out code`,
      );
      assert.ok(
        j.steps.some((s) => s.uses?.startsWith("actions/download-artifact")),
        name,
      );
      const run = j.steps.find((s) => s.run?.includes("openapi upload"));
      assert.equal(run?.env?.SCOPECTL_CLIENT_ID, expression("secrets.SCOPECTL_CLIENT_ID"));
      assert.equal(run?.env?.SCOPECTL_CLIENT_SECRET, expression("secrets.SCOPECTL_CLIENT_SECRET"));
      assert.match(
        run?.run ?? "",
        /npx --yes "scopectl@\$SCOPECTL_VERSION" openapi upload build\/openapi\.yaml --api orders --server https:\/\/auth\.example\.com/,
      );
    }
    assert.match(dryRun.if ?? "", /github\.event_name == 'pull_request'/);
    assert.match(dryRun.if ?? "", /head\.repo\.full_name == github\.repository/, "forks get no secrets");
    assert.match(step(dryRun, "Dry run").run ?? "", /--dry-run/);
    assert.match(upload.if ?? "", /github\.ref == 'refs\/heads\/main'/);
    assert.doesNotMatch(step(upload, "Upload").run ?? "", /--dry-run/);
  });

  test("every option the workflow, the script and the README pass exists in scopectl openapi upload", {
    timeout: 60_000,
  }, async () => {
    const texts = await Promise.all(
      ["openapi-upload.yml", "upload-openapi.sh", "README.md"].map((f) =>
        readFile(path.join(RECIPE, f), "utf8"),
      ),
    );
    const found = texts.flatMap(uploadInvocations);
    assert.ok(found.length >= 5, found.map((f) => f.line).join("\n"));
    const help = runCli(["openapi", "upload", "--help"]);
    assert.equal(help.status, 0, help.stderr);
    for (const { flags, line } of found) {
      for (const flag of flags) {
        assert.match(help.stdout, new RegExp(`(^|[\\s,])${flag}\\b`), `no ${flag}: ${line}`);
      }
    }
  });

  test("the README's links resolve; the recipes' READMEs link it", { timeout: 30_000 }, async () => {
    const readme = path.join(RECIPE, "README.md");
    for (const { target, line } of markdownLinks(await readFile(readme, "utf8"))) {
      if (/^[a-z]+:/i.test(target)) continue;
      const file = target.split("#")[0] ?? "";
      assert.ok(existsSync(path.resolve(RECIPE, file)), `README.md:${line}: ${target} does not exist`);
    }
    assert.match(
      await readFile(path.join(REPO_ROOT, "examples/ci/README.md"), "utf8"),
      /\]\(api-repository\/README\.md\)/,
    );
    assert.match(
      await readFile(path.join(REPO_ROOT, "examples/README.md"), "utf8"),
      /\]\(ci\/api-repository\/README\.md\)/,
    );
  });

  test("the config repository's documents validate (with the client secret set)", {
    timeout: 60_000,
  }, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-api-repo-config-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, "uploads.yaml"),
      await readFile(path.join(RECIPE, "config-repository.yaml"), "utf8"),
    );
    const result = runCli(["validate", dir], { env: { ORDERS_CI_CLIENT_SECRET: strongSecret() } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /2 Apis .*1 OpenApiSource.*1 Application/);
  });
});

const strongSecret = () => randomBytes(32).toString("base64url");

/** A folder with build/openapi.yaml and a PATH whose `npx` runs this checkout's scopectl. */
async function apiRepository(t: TestContext): Promise<{ root: string; repo: string; pathEnv: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-api-repo-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const repo = path.join(root, "repo");
  await mkdir(path.join(repo, "build"), { recursive: true });
  const bin = path.join(root, "bin");
  await mkdir(bin);
  const npx = path.join(bin, "npx");
  await writeFile(
    npx,
    `#!/bin/sh
[ "$1" = --yes ] && shift
case "$1" in scopectl|scopectl@*) shift; exec ${CLI_SHELL} "$@";; esac
echo "this test's npx runs scopectl only, not: $*" >&2
exit 127
`,
  );
  await chmod(npx, 0o755);
  return { root, repo, pathEnv: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
}

/** Runs `shell` (a command and its arguments) without blocking, so that the server in this process answers. */
async function runShell(
  shell: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(shell[0] as string, shell.slice(1), {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { status, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

describe("examples/ci/api-repository, run", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the workflow's dry run and upload, then the script, against the server serving config-repository.yaml", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const secret = strongSecret();
    const previous = process.env.ORDERS_CI_CLIENT_SECRET;
    // The tenant is planned in this process, which reads the fromEnv secret from its environment.
    process.env.ORDERS_CI_CLIENT_SECRET = secret;
    t.after(() => {
      if (previous === undefined) delete process.env.ORDERS_CI_CLIENT_SECRET;
      else process.env.ORDERS_CI_CLIENT_SECRET = previous;
    });
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const manifests = (await readFile(path.join(RECIPE, "config-repository.yaml"), "utf8")).replaceAll(
      SERVER,
      issuer,
    );
    const tenant = await serveTenant(t, { "uploads.yaml": manifests }, { port, issuer });
    const box = await apiRepository(t);
    await writeFile(path.join(box.repo, "build/openapi.yaml"), SPEC_V1);

    const flow = await workflow();
    const temp = path.join(box.root, "runner-temp");
    await mkdir(temp);
    const summary = path.join(box.root, "step-summary");
    const expand = (text: string) => {
      const expanded = text
        .replaceAll(expression("runner.temp"), temp)
        .replaceAll(expression("secrets.SCOPECTL_CLIENT_ID"), "orders-ci")
        .replaceAll(expression("secrets.SCOPECTL_CLIENT_SECRET"), secret)
        .replaceAll(SERVER, tenant.url);
      assert.ok(!expanded.includes("${{"), `an expression this test cannot evaluate: ${text}`);
      return expanded;
    };
    const runStep = (s: Step) =>
      runShell(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expand(s.run ?? "")], box.repo, {
        PATH: box.pathEnv,
        GITHUB_STEP_SUMMARY: summary,
        ...flow.env,
        ...Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expand(v)])),
      });

    const dry = await runStep(step(job(flow, "dry-run"), "Dry run"));
    assertNoSecrets(dry.stdout + dry.stderr, [secret]);
    assert.equal(dry.status, 0, `exit 2 (changes) is a success here: ${dry.stderr}`);
    assert.match(dry.stdout, /GET \/orders: creates get:orders/);
    assert.match(dry.stdout, /After the merge, the upload will change Api orders/);
    assert.match(
      await readFile(summary, "utf8"),
      /```\nbuild\/openapi\.yaml → Api "orders" .*dry run of a first upload/,
    );
    assert.equal((await tenant.store.imports()).length, 0, "the dry run wrote nothing");

    const upload = await runStep(step(job(flow, "upload"), "Upload"));
    assertNoSecrets(upload.stdout + upload.stderr, [secret]);
    assert.equal(upload.status, 0, upload.stderr);
    assert.match(upload.stdout, /^Applied at revision \d+\.$/m);
    const [record] = await tenant.store.imports();
    assert.equal(record?.action, "upload");
    assert.equal((await tenant.store.revisions(1))[0]?.actor, "client:orders-ci");

    const script = path.join(RECIPE, "upload-openapi.sh");
    const env = { PATH: box.pathEnv, SCOPECTL_CLIENT_ID: "orders-ci", SCOPECTL_CLIENT_SECRET: secret };
    const again = await runShell(["sh", script, "build/openapi.yaml", "orders", tenant.url], box.repo, env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /No changes/);

    await writeFile(path.join(box.repo, "build/openapi.yaml"), SPEC_V2);
    const dryV2 = await runShell(
      ["sh", script, "build/openapi.yaml", "orders", tenant.url, "--dry-run"],
      box.repo,
      env,
    );
    assert.equal(dryV2.status, 0, dryV2.stderr);
    assert.match(dryV2.stdout, /removes post:orders/);
    assert.match(dryV2.stdout, /^dry run: uploading build\/openapi\.yaml would change Api orders/m);
    const replaced = await runShell(
      ["sh", script, "build/openapi.yaml", "orders", tenant.url],
      box.repo,
      env,
    );
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.equal((await tenant.store.imports())[0]?.action, "replace");
    for (const run of [again, dryV2, replaced]) assertNoSecrets(run.stdout + run.stderr, [secret]);

    const wrongSecret = await runShell(["sh", script, "build/openapi.yaml", "orders", tenant.url], box.repo, {
      ...env,
      SCOPECTL_CLIENT_SECRET: strongSecret(),
    });
    assert.equal(wrongSecret.status, 1);
    assert.match(wrongSecret.stderr, /invalid_client/);
    assert.match(wrongSecret.stderr, /upload of build\/openapi\.yaml to Api orders failed \(exit 1\)/);

    const usage = spawnSync("sh", [script, "build/openapi.yaml"], { encoding: "utf8" });
    assert.equal(usage.status, 64);
    assert.match(usage.stderr, /usage: .* FILE API SERVER \[--dry-run\]/);
  });
});
