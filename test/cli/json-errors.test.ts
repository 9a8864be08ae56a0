/**
 * `--json` means one JSON document on stdout whatever happens: `plan --json` and `openapi preview
 * --json` print a failure as `{"error": ..., "diagnostics"?: [...]}` with exit 1 and nothing on stderr,
 * so that a CI script parsing their output never meets plain text.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.ts";

async function folder(t: { after(fn: () => Promise<void>): void }, files: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-json-errors-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

const BAD_API = "apiVersion: scopectl/v1\nkind: Api\nmetadata:\n  name: orders\nspec:\n  audience: 12\n";

test("plan --json prints a manifest error as JSON with its diagnostics", { timeout: 60_000 }, async (t) => {
  const dir = await folder(t, { "config/apis.yaml": BAD_API });
  const result = runCli(["plan", "config", "--json", "--store", path.join(dir, "store.db")], { cwd: dir });
  assert.equal(result.status, 1, result.stderr);
  const answer = JSON.parse(result.stdout) as { error: string; diagnostics: { file: string }[] };
  assert.match(answer.error, /audience/);
  assert.equal(answer.diagnostics[0]?.file, "config/apis.yaml");
  assert.doesNotMatch(result.stderr, /error:/);
});

test("plan --json with --markdown is refused as JSON", { timeout: 60_000 }, async (t) => {
  const dir = await folder(t, {});
  const result = runCli(["plan", "--json", "--markdown"], { cwd: dir });
  assert.equal(result.status, 1);
  assert.deepEqual(JSON.parse(result.stdout), { error: "choose one of --json and --markdown" });
});

test("openapi preview --json prints a spec error as JSON", { timeout: 60_000 }, async (t) => {
  const dir = await folder(t, { "spec.yaml": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n" });
  const result = runCli(["openapi", "preview", "spec.yaml", "--json"], { cwd: dir });
  assert.equal(result.status, 1, result.stderr);
  const answer = JSON.parse(result.stdout) as { error: string };
  assert.match(answer.error, /paths/);
  assert.doesNotMatch(result.stderr, /error:/);
});

/** Commander's own usage errors, which happen before any command runs: JSON too when --json is given. */
for (const [label, args, message] of [
  ["status --json --bogus", ["status", "--json", "--bogus"], /^unknown option '--bogus'/],
  ["explain app --json (missing argument)", ["explain", "app", "--json"], /^missing required argument/],
  ["plan --json --bogus", ["plan", "config", "--json", "--bogus"], /^unknown option '--bogus'/],
  ["status extra --json (too many arguments)", ["status", "extra", "--json"], /too many arguments/],
] as const) {
  test(`${label}: a usage error is {"error": ...} on stdout, exit 1, nothing on stderr`, {
    timeout: 60_000,
  }, async (t) => {
    const dir = await folder(t, {});
    const result = runCli([...args, "--store", path.join(dir, "store.db")], { cwd: dir });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.equal(result.stderr, "");
    const answer = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(answer), ["error"]);
    assert.match(String(answer.error), message);
  });
}

test("--json --help and --json --version still print help and the version, exit 0", {
  timeout: 60_000,
}, async (t) => {
  const dir = await folder(t, {});
  const help = runCli(["status", "--json", "--help"], { cwd: dir });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: scopectl status/m);
  const version = runCli(["--version", "--json"], { cwd: dir });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test("without --json a usage error stays one line of text on stderr", { timeout: 60_000 }, async (t) => {
  const dir = await folder(t, {});
  const result = runCli(["status", "--bogus"], { cwd: dir });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^error: unknown option '--bogus'/);
});
