/**
 * examples/ci: the pipeline recipes parse, run only scopectl commands and options that exist, and
 * their shell actually works: the GitHub steps and the GitLab script run here, in a git repository
 * with a base commit and a change, with `npx scopectl` pointing at this checkout's CLI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { parseDocument } from "yaml";
import { CLI_SHELL, REPO_ROOT, runCli } from "../support/cli.ts";

const CI = path.join(REPO_ROOT, "examples/ci");
/** A GitHub Actions expression as the workflow spells it: `${{ name }}`. */
const expression = (name: string): string => `\${{ ${name} }}`;

async function loadYaml(file: string): Promise<Record<string, unknown>> {
  const doc = parseDocument(await readFile(path.join(CI, file), "utf8"));
  assert.deepEqual(
    doc.errors.map((e) => e.message),
    [],
    `${file} does not parse`,
  );
  const value = doc.toJS() as unknown;
  assert.ok(value && typeof value === "object", `${file} is not a mapping`);
  return value as Record<string, unknown>;
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  id?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  if?: string;
}

async function githubWorkflow() {
  const workflow = (await loadYaml("github-actions.yml")) as {
    on: { pull_request: { paths: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[] }>;
  };
  const job = workflow.jobs.plan;
  assert.ok(job, "no plan job");
  return { workflow, steps: job.steps };
}

async function gitlabJob() {
  const pipeline = (await loadYaml("gitlab-ci.yml")) as Record<
    string,
    {
      image: string;
      rules: { if: string; changes: string[] }[];
      variables: Record<string, string>;
      before_script: string[];
      script: string[];
      artifacts: { paths: string[] };
    }
  >;
  const job = pipeline["scopectl-plan"];
  assert.ok(job, "no scopectl-plan job");
  return job;
}

interface Invocation {
  command: string;
  flags: string[];
  line: string;
}

/** Every `[npx] scopectl <command> ...` in some shell text, with the options it passes. */
function invocations(shell: string): Invocation[] {
  const found: Invocation[] = [];
  for (const line of shell.replace(/\\\n\s*/g, " ").split("\n")) {
    const match = /(?:^|[\s(])(?:npx )?scopectl ([a-z-]+)([^|;&>]*)/.exec(line);
    if (!match?.[1]) continue;
    found.push({ command: match[1], flags: match[2]?.match(/--[a-z][a-z-]*/g) ?? [], line: line.trim() });
  }
  return found;
}

/** The README's code: fenced blocks and inline code spans. */
async function readmeCode(): Promise<string> {
  const readme = await readFile(path.join(CI, "README.md"), "utf8");
  const fenced = [...readme.matchAll(/^ *```\w*\n([\s\S]*?)^ *```/gm)].map((m) => m[1] ?? "");
  const inline = [...readme.replace(/^ *```[\s\S]*?^ *```/gm, "").matchAll(/`([^`\n]+)`/g)].map(
    (m) => m[1] ?? "",
  );
  return [...fenced, ...inline].join("\n");
}

async function allInvocations(): Promise<Invocation[]> {
  const { steps } = await githubWorkflow();
  const job = await gitlabJob();
  const shell = [...steps.map((s) => s.run ?? ""), ...job.before_script, ...job.script].join("\n");
  return [...invocations(shell), ...invocations(await readmeCode())];
}

describe("examples/ci recipes", () => {
  test("GitHub: runs on pull requests that touch config/**, may comment, checks out the merge's parent", async () => {
    const { workflow, steps } = await githubWorkflow();
    assert.deepEqual(workflow.on.pull_request.paths, ["config/**"]);
    assert.equal(workflow.permissions["pull-requests"], "write");
    assert.equal(workflow.permissions.contents, "read");
    const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    assert.equal(checkout?.with?.["fetch-depth"], 2, "HEAD^1 (the base) must be fetched");
    const node = steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    assert.equal(node?.with?.["node-version"], 20);
    assert.ok(steps.some((s) => s.run === "npm ci"));
    const comment = steps.find((s) => s.run?.includes("gh pr comment"));
    assert.match(comment?.run ?? "", /--body-file "\$PLAN_MD"/);
    assert.equal(comment?.env?.GH_TOKEN, expression("github.token"));
  });

  test("GitLab: runs in merge request pipelines that touch config/, with the history and an artifact", async () => {
    const job = await gitlabJob();
    assert.equal(job.image, "node:20");
    assert.match(job.rules[0]?.if ?? "", /\$CI_PIPELINE_SOURCE == "merge_request_event"/);
    assert.deepEqual(job.rules[0]?.changes, ["config/**/*"]);
    assert.equal(job.variables.GIT_DEPTH, "0");
    assert.ok(job.before_script.some((line) => line.startsWith("npm ci")));
    assert.deepEqual(job.artifacts.paths, ["plan.md"]);
    assert.match(job.script.join("\n"), /merge_requests\/\$CI_MERGE_REQUEST_IID\/notes/);
  });

  test("both validate, rebuild the base and plan in Markdown against it; neither applies elsewhere", async () => {
    for (const [name, shell] of [
      ["github", (await githubWorkflow()).steps.map((s) => s.run ?? "").join("\n")],
      ["gitlab", (await gitlabJob()).script.join("\n")],
    ] as const) {
      const found = invocations(shell);
      assert.deepEqual(
        found.map((i) => i.command),
        ["validate", "apply", "plan"],
        `${name}: ${found.map((i) => i.line).join(" / ")}`,
      );
      const [validate, apply, plan] = found;
      assert.match(validate?.line ?? "", /scopectl validate config$/);
      assert.ok(plan?.flags.includes("--markdown") && plan.flags.includes("--store"), plan?.line);
      assert.ok(!plan?.flags.includes("--detailed-exitcode"), "changes must not fail the job");
      // The only apply is the throwaway one: the base's config into the same store plan reads.
      assert.ok(apply?.flags.includes("--secrets-out"), "one-time secrets must not reach the log");
      const storeOf = (i: Invocation | undefined) => /--store ("[^"]+"|\S+)/.exec(i?.line ?? "")?.[1];
      assert.equal(storeOf(apply), storeOf(plan));
      assert.match(apply?.line ?? "", /base\/?(tree\/)?config"/);
    }
  });

  test("every scopectl command and option the recipes and their README use exists in this CLI", async () => {
    const found = await allInvocations();
    assert.ok(found.length >= 6, `only ${found.length} invocations found`);
    const commands = new Set(found.map((i) => i.command));
    for (const command of ["validate", "apply", "plan", "serve", "sync"]) {
      assert.ok(commands.has(command), `no scopectl ${command} found in the recipes or the README`);
    }
    const helps = new Map<string, string>();
    for (const { command, flags, line } of found) {
      let help = helps.get(command);
      if (help === undefined) {
        const result = runCli([command, "--help"]);
        assert.equal(result.status, 0, `scopectl ${command} --help: ${result.stderr}`);
        help = result.stdout;
        helps.set(command, help);
      }
      for (const flag of flags) {
        assert.match(help, new RegExp(`(^|[\\s,])${flag}\\b`), `scopectl ${command} has no ${flag}: ${line}`);
      }
    }
    assert.match(helps.get("plan") ?? "", /--markdown/);
    assert.match(helps.get("serve") ?? "", /--sync-repo/);
  });

  test("the README explains the flow and the webhook; examples/README.md links it", async () => {
    const readme = await readFile(path.join(CI, "README.md"), "utf8");
    for (const needle of [
      "POST /hooks/git",
      "SCOPECTL_WEBHOOK_SECRET",
      "X-Hub-Signature-256",
      "X-Gitlab-Token",
      "scopectl sync",
      "github-actions.yml",
      "gitlab-ci.yml",
    ]) {
      assert.ok(readme.includes(needle), `examples/ci/README.md does not mention ${needle}`);
    }
    const index = await readFile(path.join(REPO_ROOT, "examples/README.md"), "utf8");
    assert.match(index, /\]\(ci\/README\.md\)/);
  });
});

// ---- The recipes' shell, run for real ----

const BASE = `apiVersion: scopectl/v1
kind: Api
metadata:
  name: todos
spec:
  audience: https://todos.example.com
  scopes:
    - name: read:todos
      description: List and read todos
---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: todo-reporter
spec:
  type: m2m
  apis:
    todos:
      scopes: [read:todos]
`;
// The pull request adds one scope.
const CHANGED = BASE.replace(
  "      description: List and read todos\n",
  "      description: List and read todos\n    - name: write:todos\n      description: Edit todos\n",
);

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.com",
    },
  });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

interface Sandbox {
  root: string;
  repo: string;
  base: string;
  /** PATH with an `npx` that runs this checkout's scopectl. */
  path: string;
}

/** main with config/, then a pull request branch that changes it. */
async function sandbox(t: TestContext): Promise<Sandbox> {
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-ci-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const repo = path.join(root, "repo");
  await mkdir(path.join(repo, "config"), { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "commit.gpgsign", "false");
  await writeFile(path.join(repo, "config/todos.yaml"), BASE);
  git(repo, "add", "config");
  git(repo, "commit", "-q", "-m", "base");
  const base = git(repo, "rev-parse", "HEAD");
  git(repo, "checkout", "-q", "-b", "pr");
  await writeFile(path.join(repo, "config/todos.yaml"), CHANGED);
  git(repo, "commit", "-q", "-am", "add write:todos");

  const bin = path.join(root, "bin");
  await mkdir(bin);
  const npx = path.join(bin, "npx");
  await writeFile(
    npx,
    `#!/bin/sh
if [ "$1" = scopectl ]; then shift; exec ${CLI_SHELL} "$@"; fi
echo "this test's npx runs scopectl only, not: $*" >&2
exit 127
`,
  );
  await chmod(npx, 0o755);
  return { root, repo, base, path: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("examples/ci recipes, run", () => {
  test("GitHub steps on a merge commit: validate, rebuild main, plan only the pull request's change", async (t) => {
    const box = await sandbox(t);
    // actions/checkout of a pull request: refs/pull/N/merge, main with the pull request merged in.
    git(box.repo, "checkout", "-q", "main");
    git(box.repo, "merge", "-q", "--no-ff", "-m", "Merge pull request", "pr");
    const temp = path.join(box.root, "runner-temp");
    await mkdir(temp);
    const output = path.join(box.root, "github-output");
    const summary = path.join(box.root, "step-summary");
    const env = {
      PATH: box.path,
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    };
    /** `${{ runner.temp }}` is the one expression the steps run here may use. */
    const expand = (text: string) => {
      const expanded = text.replaceAll(expression("runner.temp"), temp);
      assert.ok(!expanded.includes("${{"), `an expression this test cannot evaluate: ${text}`);
      return expanded;
    };

    const { steps } = await githubWorkflow();
    const named = (prefix: string) => {
      const step = steps.find((s) => s.name?.startsWith(prefix));
      assert.ok(step?.run, `no step "${prefix}…"`);
      return step;
    };
    for (const step of [named("Validate"), named("Rebuild"), named("Plan")]) {
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v)]));
      const result = bash(expand(step.run ?? ""), box.repo, { ...env, ...stepEnv });
      assert.equal(result.status, 0, `step ${step.name}: ${result.stderr}`);
      assert.ok(!/scs_[A-Za-z0-9]/.test(result.stdout + result.stderr), `step ${step.name} printed a secret`);
    }

    const plan = await readFile(path.join(temp, "plan.md"), "utf8");
    assert.match(plan, /Plan: 1 to create, 0 to update, 0 to replace, 0 to delete\./, plan);
    assert.match(plan, /todos\/write:todos/);
    assert.match(plan, /store revision 1/, "planned against the rebuilt base, not an empty store");
    assert.match(plan, new RegExp(`Planned against the base branch's manifests \\(${box.base.slice(0, 7)}`));
    assert.match(await readFile(output, "utf8"), /^status=0$/m);
    assert.equal(await readFile(summary, "utf8"), plan);
  });

  test("GitLab script on the merge request branch: plan against its diff base, no note without a token", async (t) => {
    const box = await sandbox(t);
    const job = await gitlabJob();
    const result = bash(job.script.join("\n"), box.repo, {
      PATH: box.path,
      CI_MERGE_REQUEST_DIFF_BASE_SHA: box.base,
      CI_API_V4_URL: "http://127.0.0.1:9/api/v4",
      CI_PROJECT_ID: "1",
      CI_MERGE_REQUEST_IID: "1",
      SCOPECTL_GITLAB_TOKEN: "",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /SCOPECTL_GITLAB_TOKEN is not set/);
    assert.ok(!/scs_[A-Za-z0-9]/.test(result.stdout + result.stderr), "the job printed a secret");
    const plan = await readFile(path.join(box.repo, "plan.md"), "utf8");
    assert.match(plan, /Plan: 1 to create, 0 to update, 0 to replace, 0 to delete\./, plan);
    assert.match(plan, /store revision 1/);
    assert.match(plan, new RegExp(`merge request's base \\(${box.base.slice(0, 7)}`));
  });

  test("a base without config/: the plan is against an empty store and lists every resource", async (t) => {
    const box = await sandbox(t);
    const empty = git(box.repo, "commit-tree", git(box.repo, "mktree"), "-m", "empty");
    const job = await gitlabJob();
    const result = bash(job.script.join("\n"), box.repo, {
      PATH: box.path,
      CI_MERGE_REQUEST_DIFF_BASE_SHA: empty,
      SCOPECTL_GITLAB_TOKEN: "",
    });
    assert.equal(result.status, 0, result.stderr);
    const plan = await readFile(path.join(box.repo, "plan.md"), "utf8");
    assert.match(plan, /Plan: 5 to create/, plan);
    assert.match(plan, /store revision 0/);
  });
});
