/**
 * Issue 18: every YAML file of the repository (config/, examples/, the tests' fixtures, docs/; not
 * node_modules, dist or bench/out) reads to the same values with the fast path as with both careful
 * parses, or is declined by it (yaml-agreement.ts). The YAML texts written inside test files are held
 * to the same by the loader's cross-check mode (SCOPECTL_YAML_CROSSCHECK, src/manifest/parse.ts),
 * which `npm run test:unit` turns on.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertAgreement } from "./yaml-agreement.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SKIPPED = new Set(["node_modules", ".git", "dist", path.join("bench", "out")]);

function yamlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    const rel = path.relative(ROOT, abs);
    if (SKIPPED.has(rel) || entry.name === "node_modules") continue;
    if (entry.isDirectory()) found.push(...yamlFiles(abs));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(rel);
  }
  return found.sort();
}

describe("the repository's YAML files", { timeout: 120_000 }, () => {
  const files = yamlFiles(ROOT);

  test("there are some, in config/, examples/ and test/", () => {
    for (const folder of ["config", "examples", "test"])
      assert.ok(
        files.some((f) => f.startsWith(`${folder}${path.sep}`)),
        `no YAML file under ${folder}/`,
      );
  });

  for (const file of files) {
    test(file, () => {
      assertAgreement(readFileSync(path.join(ROOT, file), "utf8"), file);
    });
  }

  test("the fast path reads the manifests of config/ and examples/", () => {
    // Clean files are what it is for: a manifest it declined would be read slowly, not wrongly.
    const declined = files
      .filter((f) => /^(config|examples)[\\/]/.test(f))
      .map((f) => [f, assertAgreement(readFileSync(path.join(ROOT, f), "utf8"), f)] as const)
      .filter(([, fast]) => !fast.ok)
      .map(([f, fast]) => `${f}: ${fast.ok ? "" : fast.reason}`);
    assert.deepEqual(declined, []);
  });
});
