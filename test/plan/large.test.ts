/**
 * A spec with ~200,000 operations is accepted by `validate`, so `plan` and `apply` must handle it: no
 * step may spread a large array into a call (`push(...x)`, `Math.max(...x)`), which passes every element
 * as an argument and overflows the stack ("Maximum call stack size exceeded").
 *
 * The planner and the renderers are driven directly with a synthetic desired state; one CLI-level `plan`
 * on a real 200,000-operation spec checks the whole path (`apply` prints the plan with the same renderer).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import type { DesiredState } from "../../src/model/desired.ts";
import type { ImportLogEntry } from "../../src/model/spec-import.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { renderMarkdown, renderText } from "../../src/plan/render.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { ImportLogItem } from "../../src/store/resources.ts";
import { CLI_ARGV } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { plan } from "./helpers.ts";

const OPERATIONS = 200_000;
const METHODS = ["get", "post", "put", "delete"] as const;
const SOURCE = { file: "big.yaml", line: 1, column: 1 };

/** `OPERATIONS` generated scopes on one Api, from one OpenApiSource, with the import's log. */
function bigState(): DesiredState {
  const scopes: DesiredState["apis"] extends Map<string, infer A>
    ? A extends { scopes: infer S }
      ? S
      : never
    : never = [];
  const log: ImportLogEntry[] = [];
  for (let i = 0; i < OPERATIONS; i++) {
    const method = METHODS[i % 4] as (typeof METHODS)[number];
    const p = `/r${Math.floor(i / 4)}`;
    const name = `${method}:r${Math.floor(i / 4)}`;
    scopes.push({ api: "big", name, description: `${method.toUpperCase()} ${p}`, origin: "openapi" });
    log.push({ action: "created", scope: name, method, path: p });
  }
  return {
    root: "/nowhere",
    settings: {
      issuer: "http://localhost:8080",
      signingAlg: "RS256",
      accessTokenLifetimeSeconds: 3600,
      managementAudience: "http://localhost:8080/v1",
    },
    apis: new Map([
      [
        "big",
        { name: "big", audience: "https://big.example.com", displayName: "Big", scopes, source: SOURCE },
      ],
    ]),
    uploadSources: new Map(),
    uploadedScopeReferences: [],
    openApiSources: new Map([
      [
        "big-spec",
        {
          name: "big-spec",
          api: "big",
          file: { path: "specs/big.json", sha256: "ab".repeat(32), size: 1 },
          specVersion: "3.0.3",
          scopes: scopes.map((s) => s.name),
          log,
          source: SOURCE,
        },
      ],
    ]),
    roles: new Map(),
    users: new Map(),
    applications: new Map(),
    apiKeys: new Map(),
  };
}

describe("plans of a 200,000-operation spec", { timeout: SUITE_TIMEOUT_MS }, () => {
  const state = bigState();
  const desired = desiredResources(state, {});
  let firstImport: Plan;
  before(() => {
    firstImport = plan(desired, [], { desiredState: state });
  });

  test("a first import: the plan and its text and Markdown renderings", () => {
    // The scopes, the Api, the OpenApiSource and the Settings.
    assert.equal(firstImport.summary.create, OPERATIONS + 3);
    const source = firstImport.changes.find((c) => c.kind === "OpenApiSource");
    assert.equal(source?.importLog?.length, OPERATIONS);
    const text = renderText(firstImport, { color: false });
    assert.match(text, /first import: 200000 created, 0 duplicate, 0 skipped \(reserved\), 0 removed/);
    assert.match(text, /Plan: 200003 to create, 0 to update, 0 to replace, 0 to delete\./);
    assert.match(renderMarkdown(firstImport), /Import log of OpenApiSource big-spec \(first import\)/);
  });

  test("a deleted source with 200,000 removals and 200,000 rows left alone, in both renderings", () => {
    // Built by hand: the planner's part of these paths is the same walk as above, the renderers' is not.
    const importLog: ImportLogItem[] = [];
    const leftAlone: Plan["leftAlone"] = [];
    for (let i = 0; i < OPERATIONS; i++) {
      importLog.push({ action: "removed", scope: `get:r${i}` });
      leftAlone.push({ kind: "Scope", id: `other/get:r${i}`, managedBy: "pulumi:prod" });
    }
    const p: Plan = {
      ...firstImport,
      changes: [{ action: "delete", kind: "OpenApiSource", id: "big-spec", diff: [], importLog }],
      leftAlone,
      summary: { create: 0, update: 0, replace: 0, delete: 1 },
    };
    const text = renderText(p, { color: false });
    assert.match(text, /import deleted: 0 created, 0 duplicate, 0 skipped \(reserved\), 200000 removed/);
    assert.match(text, /Left alone/);
    const markdown = renderMarkdown(p);
    assert.match(markdown, /Left alone: 200000 rows managed by others/);
    assert.match(markdown, /200000 removed/);
  });
});

/**
 * The CLI as test/support/cli.ts runs it, but with stdout in a file: the plan of 200,000 changes is more
 * than spawnSync's 1 MB output buffer.
 */
function runCliToFile(
  args: readonly string[],
  cwd: string,
  outFile: string,
): { status: number | null; stdout: string; stderr: string } {
  const fd = openSync(outFile, "w");
  try {
    const result = spawnSync(process.execPath, [...CLI_ARGV, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", fd, "pipe"],
      encoding: "utf8",
      timeout: 240_000,
    });
    return { status: result.status, stdout: readFileSync(outFile, "utf8"), stderr: result.stderr };
  } finally {
    closeSync(fd);
  }
}

test("scopectl plan on a spec of 200,000 operations (the text renderer crashed)", {
  timeout: 300_000,
}, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-large-"));
  try {
    const config = path.join(dir, "config");
    await mkdir(path.join(config, "specs"), { recursive: true });
    // JSON: the import parses it fastest; 50,000 paths × 4 methods.
    const op = '{"responses":{"200":{"description":"ok"}}}';
    const paths: string[] = [];
    for (let i = 0; i < OPERATIONS / 4; i++) {
      paths.push(`"/r${i}":{${METHODS.map((m) => `"${m}":${op}`).join(",")}}`);
    }
    await writeFile(
      path.join(config, "specs/big.json"),
      `{"openapi":"3.0.3","info":{"title":"Big","version":"1"},"paths":{${paths.join(",")}}}`,
    );
    await writeFile(
      path.join(config, "apis.yaml"),
      "apiVersion: scopectl/v1\nkind: Api\nmetadata: { name: big }\nspec:\n  audience: https://big.example.com\n---\napiVersion: scopectl/v1\nkind: OpenApiSource\nmetadata: { name: big-spec }\nspec:\n  api: big\n  file: specs/big.json\n",
    );
    const store = path.join(dir, "store.db");
    const out = path.join(dir, "out.txt");
    const planned = runCliToFile(["plan", config, "--store", store], dir, out);
    assert.equal(planned.status, 0, planned.stderr);
    assert.match(planned.stdout, /Plan: 200003 to create, 0 to update, 0 to replace, 0 to delete\./);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
