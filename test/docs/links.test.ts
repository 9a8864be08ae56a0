/**
 * The docs hold together: every relative link of README.md, CHANGELOG.md and docs/*.md reaches a file
 * that exists (and, with `#anchor`, a heading of it, as GitHub makes anchors), the README stays a
 * newcomer's page (under 150 lines) and links every page under docs/.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../support/cli.ts";
import { githubSlug, headingAnchors, markdownLinks } from "../support/markdown.ts";

const TIMEOUT = { timeout: 60_000 };
const README = path.join(REPO_ROOT, "README.md");
const DOCS = path.join(REPO_ROOT, "docs");
const README_MAX_LINES = 150;
/** A URL with a scheme (https:, mailto:) points outside the repository: not checked here. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const relative = (file: string) => path.relative(REPO_ROOT, file);

function docPages(): string[] {
  if (!existsSync(DOCS)) return [];
  return readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => path.join(DOCS, name));
}

function checkedFiles(): string[] {
  return [README, path.join(REPO_ROOT, "CHANGELOG.md"), ...docPages()];
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(readFileSync(file, "utf8"));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** What is wrong with one link of `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (HAS_SCHEME.test(target)) return undefined;
  const hash = target.indexOf("#");
  const linkPath = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const resolved = linkPath === "" ? file : path.resolve(path.dirname(file), linkPath);
  if (!existsSync(resolved)) return `${relative(resolved)} does not exist`;
  if (anchor === undefined) return undefined;
  if (!statSync(resolved).isFile() || !resolved.endsWith(".md")) {
    return `#${anchor} points into ${relative(resolved)}, which is not a Markdown file`;
  }
  if (!anchorsOf(resolved).has(anchor))
    return `${relative(resolved)} has no heading with the anchor #${anchor}`;
  return undefined;
}

describe("GitHub heading anchors", () => {
  test("follow github-slugger's rule", TIMEOUT, () => {
    assert.equal(githubSlug("Following git (GitOps)"), "following-git-gitops");
    assert.equal(githubSlug("`scopectl up`: one command"), "scopectl-up-one-command");
    assert.equal(githubSlug("Plan and apply"), "plan-and-apply");
    assert.equal(githubSlug("What is never shown"), "what-is-never-shown");
    assert.equal(githubSlug("[Links](x.md) and snake_case"), "links-and-snake_case");
    assert.deepEqual(
      [...headingAnchors("# A\n## Setup\n```\n## Not a heading\n```\n## Setup\n")],
      ["a", "setup", "setup-1"],
    );
  });

  test("links inside code are not links", TIMEOUT, () => {
    const text = "See [a](a.md) and `[b](b.md)`.\n```md\n[c](c.md)\n```\n[d]: d.md\n";
    assert.deepEqual(
      markdownLinks(text).map((link) => link.target),
      ["a.md", "d.md"],
    );
  });
});

describe("docs", () => {
  test("every relative link and anchor resolves", TIMEOUT, () => {
    const problems: string[] = [];
    for (const file of checkedFiles()) {
      if (!existsSync(file)) {
        problems.push(`${relative(file)} does not exist`);
        continue;
      }
      for (const link of markdownLinks(readFileSync(file, "utf8"))) {
        const problem = brokenLink(file, link.target);
        if (problem) problems.push(`${relative(file)}:${link.line}: (${link.target}) ${problem}`);
      }
    }
    assert.deepEqual(problems, [], `broken links:\n${problems.join("\n")}`);
  });

  test(`README.md stays under ${README_MAX_LINES} lines`, TIMEOUT, () => {
    const lines = readFileSync(README, "utf8").replace(/\n$/, "").split("\n").length;
    assert.ok(
      lines < README_MAX_LINES,
      `README.md has ${lines} lines; move reference material to docs/ (limit ${README_MAX_LINES})`,
    );
  });

  test("README.md links every page of docs/, architecture.md included", TIMEOUT, () => {
    const linked = new Set(
      markdownLinks(readFileSync(README, "utf8"))
        .filter((link) => !HAS_SCHEME.test(link.target))
        .map((link) => path.resolve(REPO_ROOT, decodeURIComponent(link.target.split("#")[0] as string))),
    );
    const pages = docPages();
    const architecture = path.join(DOCS, "architecture.md");
    assert.ok(existsSync(architecture), `${relative(architecture)} does not exist: the README links it`);
    const unlinked = pages.filter((page) => !linked.has(page)).map(relative);
    assert.deepEqual(unlinked, [], `README.md does not link: ${unlinked.join(", ")}`);
  });
});
