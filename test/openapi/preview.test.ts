/**
 * `scopectl openapi preview FILE` shows what the import will do: when an OpenApiSource of the manifest
 * folder (`config`, or `--root`) reads FILE, the manual scopes of its Api are duplicates, as in the real
 * import, and the preview says which Api and OpenApiSource it used.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const CATALOG = "config/specs/catalog.openapi.yaml";

describe("scopectl openapi preview, against the manifest folder", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the catalog spec of config/: 12 created and get:health a duplicate of the Api's manual scope", () => {
    const result = runCli(["openapi", "preview", CATALOG]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Api "catalog" \(OpenApiSource "catalog-spec", config\/openapi\.yaml:\d+:\d+\)/m,
    );
    assert.match(result.stdout, /GET \/health: duplicate of the manual scope get:health/);
    assert.match(result.stdout, /13 operations: 12 created, 1 duplicate, 0 reserved/);
    assert.doesNotMatch(result.stdout, /^get:health\s/m, "a duplicate is not listed as a generated scope");
  });

  test("--json says which source and Api, and lists what the import creates", () => {
    const result = runCli(["openapi", "preview", "--json", "--root", "config", CATALOG]);
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as {
      source: { name: string; api: string; manualScopes: string[] } | null;
      scopes: { name: string }[];
      log: { action: string; scope: string }[];
    };
    assert.equal(parsed.source?.name, "catalog-spec");
    assert.equal(parsed.source?.api, "catalog");
    assert.ok(parsed.source?.manualScopes.includes("get:health"));
    assert.equal(parsed.scopes.length, 12);
    assert.deepEqual(
      parsed.log.filter((e) => e.action === "duplicate").map((e) => e.scope),
      ["get:health"],
    );
  });

  describe("a folder of one's own", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-preview-"));
      await mkdir(path.join(dir, "manifests/specs"), { recursive: true });
      const spec =
        "openapi: 3.0.3\ninfo: { title: x, version: '1' }\npaths:\n  /orders:\n    get: { responses: { '200': { description: ok } } }\n    post: { responses: { '201': { description: ok } } }\n";
      await writeFile(path.join(dir, "manifests/specs/orders.yaml"), spec);
      await writeFile(path.join(dir, "manifests/specs/unused.yaml"), spec);
      await writeFile(
        path.join(dir, "manifests/apis.yaml"),
        "apiVersion: scopectl/v1\nkind: Api\nmetadata: { name: orders }\nspec:\n  audience: https://o.example.com\n  scopes: [{ name: 'post:orders' }]\n---\napiVersion: scopectl/v1\nkind: OpenApiSource\nmetadata: { name: orders-spec }\nspec: { api: orders, file: specs/orders.yaml }\n",
      );
      // A broken manifest elsewhere in the folder does not stop a preview of the spec.
      await writeFile(
        path.join(dir, "manifests/broken.yaml"),
        "apiVersion: scopectl/v1\nkind: Role\nmetadata: [\n",
      );
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test("--root names the manifest folder; its source's Api is used", () => {
      const result = runCli(["openapi", "preview", "--root", "manifests", "manifests/specs/orders.yaml"], {
        cwd: dir,
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        /^Api "orders" \(OpenApiSource "orders-spec", manifests\/apis\.yaml:\d+:\d+\)/m,
      );
      assert.match(result.stdout, /2 operations: 1 created, 1 duplicate, 0 reserved/);
    });

    test("a spec no OpenApiSource reads is previewed alone, and the preview says so", () => {
      const result = runCli(["openapi", "preview", "--root", "manifests", "manifests/specs/unused.yaml"], {
        cwd: dir,
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        /no OpenApiSource in manifests reads this file: no Api's manual scopes are counted/,
      );
      assert.match(result.stdout, /2 operations: 2 created, 0 duplicate, 0 reserved/);
    });

    test("without config/ in the working directory, the spec is previewed alone", () => {
      const result = runCli(["openapi", "preview", "manifests/specs/orders.yaml"], { cwd: dir });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /no manifest folder \(config\/ does not exist here; give --root\)/);
      assert.match(result.stdout, /2 operations: 2 created, 0 duplicate, 0 reserved/);
    });

    test("a --root that does not exist is an error", () => {
      const result = runCli(["openapi", "preview", "--root", "nope", "manifests/specs/orders.yaml"], {
        cwd: dir,
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /nope: the manifest folder does not exist/);
    });
  });
});
