/**
 * What a user installs is what is tested: `npm pack` (whose `prepare` builds dist/), the tarball
 * installed in a temporary project (test/package/consumer-project.ts: offline, from the npm cache), every
 * export of package.json imported from that project with a real `import()`, and the installed bin run.
 *
 * Slow by nature: the install compiles better-sqlite3 (its install script finds no prebuilt addon where
 * only the npm registry is reachable), several minutes on a loaded machine; hence the generous timeout.
 */
import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../support/cli.ts";
import { npmEnvironment, REPO_PACKAGE, writeConsumerProject } from "./consumer-project.ts";

const TEST_TIMEOUT_MS = 40 * 60_000;
const STEP_TIMEOUT_MS = 20 * 60_000;

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    env: npmEnvironment(),
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error) throw result.error;
  return result;
}

function succeed(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
  );
  return result.stdout;
}

/** `import()` of `specifier` in a Node started in the project: where it resolved and what it exports. */
function importFrom(project: string, specifier: string): { url: string; names: string[] } {
  const source = `const m = await import(${JSON.stringify(specifier)});
console.log(JSON.stringify({ url: import.meta.resolve(${JSON.stringify(specifier)}), names: Object.keys(m) }));`;
  const stdout = succeed(process.execPath, ["--input-type=module", "--eval", source], project);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

test("the packed tarball installs, every export imports from the installing project, and the bin runs", {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), "scopectl-packed-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const packDir = path.join(work, "pack");
  const project = path.join(work, "project");
  mkdirSync(packDir);
  mkdirSync(project);

  succeed("npm", ["pack", "--pack-destination", packDir], REPO_ROOT);
  const tarballs = readdirSync(packDir).filter((name) => name.endsWith(".tgz"));
  assert.equal(tarballs.length, 1, `npm pack made ${tarballs.join(", ") || "no tarball"}`);
  writeConsumerProject(project, path.join(packDir, tarballs[0] as string));
  succeed("npm", ["ci", "--offline", "--no-audit", "--no-fund"], project);

  const installedRoot = path.join(project, "node_modules/scopectl");
  // Read through its own export, so that export is checked too.
  const installed = createRequire(path.join(project, "package.json"))("scopectl/package.json") as {
    version: string;
    exports: Record<string, unknown>;
  };
  assert.equal(installed.version, REPO_PACKAGE.version);
  assert.deepEqual(installed.exports, REPO_PACKAGE.exports);

  const subpaths = Object.keys(installed.exports).filter((subpath) => subpath !== "./package.json");
  assert.ok(subpaths.length > 0, "package.json exports nothing but itself");
  for (const subpath of subpaths) {
    assert.ok(!subpath.includes("*"), `${subpath}: a pattern export cannot be imported as such; list it`);
    const specifier = subpath === "." ? "scopectl" : `scopectl/${subpath.slice(2)}`;
    await t.test(`import("${specifier}")`, () => {
      const { url, names } = importFrom(project, specifier);
      assert.ok(
        url.startsWith(`${pathToFileURL(installedRoot).href}/`),
        `${specifier} resolved to ${url}, not the installed package`,
      );
      assert.ok(names.length > 0, `${specifier} exports no names`);
    });
  }

  await t.test("the installed better-sqlite3 opens a database on this Node", () => {
    const addon = createRequire(path.join(installedRoot, "package.json")).resolve("better-sqlite3");
    const source = `const Database = (await import(${JSON.stringify(pathToFileURL(addon).href)})).default;
console.log(new Database(":memory:").prepare("select 1 + 1 as two").get().two);`;
    assert.equal(succeed(process.execPath, ["--input-type=module", "--eval", source], project).trim(), "2");
  });

  await t.test("scopectl --version prints the package version", () => {
    const bin = path.join(project, "node_modules/.bin/scopectl");
    assert.equal(succeed(bin, ["--version"], project).trim(), REPO_PACKAGE.version);
  });
});
