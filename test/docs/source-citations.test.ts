/**
 * Comments point at documents in this repository: a `docs/….md` (or README/CHANGELOG) they cite must
 * exist, with the `#anchor` they name, and none cites the design document that stayed outside the
 * repository ("DESIGN §N").
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { sourceFiles } from "../support/import-graph.ts";
import { headingAnchors } from "../support/markdown.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const FOLDERS = ["src", "test", "bench"];
const CITATION = /\b((?:docs\/[a-z0-9-]+|README|CHANGELOG)\.md)(#[a-z0-9-]+)?/g;

/** The sources to read: all but this file, whose examples cite what does not exist on purpose. */
function filesToRead(): string[] {
  const self = path.relative(repo, import.meta.filename);
  return FOLDERS.flatMap((folder) =>
    sourceFiles(path.join(repo, folder)).map((file) => path.join(folder, file)),
  ).filter((file) => file !== self);
}

/** Every citation in `text` that does not resolve in the repository, as `what: why`. */
function brokenCitations(file: string, text: string, root: string): string[] {
  const broken: string[] = [];
  for (const match of text.matchAll(CITATION)) {
    const [cited, doc, anchor] = match as unknown as [string, string, string | undefined];
    const target = path.join(root, doc);
    if (!existsSync(target)) broken.push(`${file}: ${cited}: ${doc} does not exist`);
    else if (anchor && !headingAnchors(readFileSync(target, "utf8")).has(anchor.slice(1))) {
      broken.push(`${file}: ${cited}: ${doc} has no heading with the anchor ${anchor}`);
    }
  }
  return broken;
}

describe("citations in comments", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("no source cites the design document outside the repository", () => {
    const cites = filesToRead().filter((file) =>
      /DESIGN §|DESIGN\.md/.test(readFileSync(path.join(repo, file), "utf8")),
    );
    assert.deepEqual(cites, []);
  });

  test("every docs page a source cites exists, with the anchor it names", () => {
    const broken = filesToRead().flatMap((file) =>
      brokenCitations(file, readFileSync(path.join(repo, file), "utf8"), repo),
    );
    assert.deepEqual(broken, []);
  });

  test("the check flags a missing page and a missing anchor", () => {
    const text = "see docs/architecture.md#data-flow, docs/nowhere.md and docs/architecture.md#no-such-part";
    assert.deepEqual(brokenCitations("x.ts", text, repo), [
      "x.ts: docs/nowhere.md: docs/nowhere.md does not exist",
      "x.ts: docs/architecture.md#no-such-part: docs/architecture.md has no heading with the anchor #no-such-part",
    ]);
  });
});
