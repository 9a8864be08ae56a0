/**
 * The folders of src/ form a one-way graph in the order docs/architecture.md gives: a folder imports
 * only folders listed before it. The order is read from the document, so the check and the document
 * cannot drift apart; a new folder must be placed in the list before it can hold code.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { backEdges, crossFolderEdges, documentedOrder, importGraph } from "../support/import-graph.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const srcRoot = path.join(repo, "src");
const order = documentedOrder(readFileSync(path.join(repo, "docs/architecture.md"), "utf8"));

describe("folder order", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("docs/architecture.md lists every folder of src/, once", () => {
    const folders = readdirSync(srcRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    assert.ok(order.length > 0, "docs/architecture.md has no numbered folder list under an 'order' heading");
    assert.deepEqual([...order].sort(), folders);
    assert.equal(new Set(order).size, order.length, `a folder is listed twice: ${order.join(", ")}`);
  });

  test("no file sits directly in src/ (every file belongs to a folder of the order)", () => {
    const loose = readdirSync(srcRoot, { withFileTypes: true }).filter((entry) => entry.isFile());
    assert.deepEqual(
      loose.map((entry) => entry.name),
      [],
    );
  });

  test("every import between folders goes down the order", () => {
    const wrong = backEdges(importGraph(srcRoot), order).map(
      (edge) => `src/${edge.file} (${edge.fromFolder}/) imports ${edge.specifier} (${edge.toFolder}/)`,
    );
    assert.deepEqual(wrong, [], `imports against the order ${order.join(" → ")}:\n${wrong.join("\n")}`);
  });

  test("the check sees every import form, and flags an upward one", () => {
    const text = [
      'import { a } from "../cli/a.ts";',
      'import type { B } from "../server/b.ts";',
      'export { c } from "../model/c.ts";',
      'const d = await import("../gitops/d.ts");',
      'import { e } from "./e.ts";',
      'import ms from "ms";',
    ].join("\n");
    const edges = crossFolderEdges("plan/x.ts", text);
    assert.deepEqual(
      edges.map((edge) => edge.toFolder),
      ["cli", "server", "model", "gitops"],
    );
    assert.deepEqual(
      backEdges(edges, ["model", "plan", "gitops", "server", "cli"]).map((edge) => edge.toFolder),
      ["cli", "server", "gitops"],
    );
  });
});
