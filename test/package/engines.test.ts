/**
 * package.json's `engines.node` is a promise to users: every Node it admits installs without an
 * EBADENGINE warning and runs. So every installed package's own range (as package-lock.json records it)
 * must admit all of ours, and the Node running the suite must be inside it (CI runs it on the oldest and
 * the newest supported line).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import semver from "semver";
import { REPO_ROOT } from "../support/cli.ts";

const read = (file: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8"));
const SUPPORTED: string = read("package.json").engines.node;

test("every locked package's engines admit the whole supported Node range", { timeout: 60_000 }, () => {
  const lock = read("package-lock.json") as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const narrower: string[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (location === "" || range === undefined) continue;
    if (!semver.subset(SUPPORTED, range)) narrower.push(`${location}@${entry.version}: node ${range}`);
  }
  assert.deepEqual(narrower, [], `engines.node is ${SUPPORTED}, wider than what these packages support`);
});

test("the Node running the suite is a supported one", { timeout: 60_000 }, () => {
  assert.ok(semver.satisfies(process.version, SUPPORTED), `${process.version} is outside ${SUPPORTED}`);
});
