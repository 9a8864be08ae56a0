/** OpenApiSource changes and their import logs: first import, replacement, deletion. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import type { StoredResource } from "../../src/model/resources.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { ImportRecord } from "../../src/store/resources.ts";
import type { Files } from "../manifest/helpers.ts";
import { actions, applyRows, catalogFiles, edit, loadResources, plan, spec, yaml } from "./helpers.ts";

/** The catalog Api alone, with manual scopes and no OpenApiSource. */
function catalogApiOnly(...manual: string[]): Files {
  return {
    "catalog.yaml": yaml(
      "apiVersion: scopectl/v1",
      "kind: Api",
      "metadata: { name: catalog }",
      "spec:",
      "  audience: https://api.example.com/catalog",
      "  scopes:",
      ...manual.map((m) => `    - { name: "${m}", description: ${m} }`),
    ),
  };
}

async function storeOf(t: TestContext, files: Files): Promise<StoredResource[]> {
  const { state, desired } = await loadResources(t, files);
  return (await applyRows(plan(desired, [], { desiredState: state }), [])).rows;
}

async function planFrom(t: TestContext, first: Files, next: Files, imports?: ImportRecord[]): Promise<Plan> {
  const current = await storeOf(t, first);
  const { state, desired } = await loadResources(t, next);
  return plan(desired, current, { desiredState: state, ...(imports ? { imports } : {}) });
}

const sourceChange = (p: Plan) => {
  const found = p.changes.find((c) => c.kind === "OpenApiSource");
  assert.ok(found, `no OpenApiSource change in: ${actions(p).join(", ")}`);
  return found;
};

describe("OpenAPI import logs", () => {
  test("first import: created, duplicates within the spec and of manual scopes, in spec order", async (t) => {
    const files = catalogFiles(spec("GET /products", "GET /a-b", "GET /a_b", "GET /health"), ["get:health"]);
    const { state, desired } = await loadResources(t, files);
    const p = plan(desired, [], { desiredState: state });
    const source = sourceChange(p);
    assert.equal(source.action, "create");
    assert.deepEqual(source.importLog, [
      { action: "created", scope: "get:products", method: "get", path: "/products" },
      { action: "created", scope: "get:a_b", method: "get", path: "/a-b" },
      {
        action: "duplicate",
        scope: "get:a_b",
        duplicateOf: { method: "get", path: "/a-b" },
        method: "get",
        path: "/a_b",
      },
      {
        action: "duplicate",
        scope: "get:health",
        duplicateOf: { manual: true },
        method: "get",
        path: "/health",
      },
    ]);
  });

  test("first import over scopes the store already has: duplicates, and the manual one changes owner", async (t) => {
    const p = await planFrom(
      t,
      catalogApiOnly("get:products"),
      catalogFiles(spec("GET /products", "POST /products")),
    );
    assert.deepEqual(actions(p), [
      "create OpenApiSource catalog-spec",
      "update Scope catalog/get:products",
      "create Scope catalog/post:products",
    ]);
    assert.equal(p.changes[1]?.note, "owner: Api list → OpenApiSource catalog-spec");
    assert.deepEqual(sourceChange(p).importLog, [
      {
        action: "duplicate",
        scope: "get:products",
        duplicateOf: { manual: true },
        method: "get",
        path: "/products",
      },
      { action: "created", scope: "post:products", method: "post", path: "/products" },
    ]);
  });

  test("replacement import: new operations created, existing ones duplicates, dropped ones removed; manual scopes untouched", async (t) => {
    const first = catalogFiles(spec("GET /products", "POST /products", "GET /health"), ["get:health"]);
    const next = catalogFiles(spec("GET /products", "DELETE /products", "GET /health"), ["get:health"]);
    const p = await planFrom(t, first, next);
    assert.deepEqual(actions(p), [
      "update OpenApiSource catalog-spec",
      "create Scope catalog/delete:products",
      "delete Scope catalog/post:products",
    ]);
    const source = sourceChange(p);
    assert.deepEqual(
      source.diff.map((d) => d.path),
      ["file.sha256", "file.size"],
    );
    assert.deepEqual(source.importLog, [
      {
        action: "duplicate",
        scope: "get:products",
        duplicateOf: { method: "get", path: "/products" },
        method: "get",
        path: "/products",
      },
      { action: "created", scope: "delete:products", method: "delete", path: "/products" },
      {
        action: "duplicate",
        scope: "get:health",
        duplicateOf: { manual: true },
        method: "get",
        path: "/health",
      },
      { action: "removed", scope: "post:products" },
    ]);
  });

  test("a duplicate of an earlier import names the operation the history says created it", async (t) => {
    const first = catalogFiles(spec("GET /a-b"));
    const next = catalogFiles(spec("GET /a_b", "GET /other"));
    const history: ImportRecord[] = [
      {
        id: 1,
        source: "catalog-spec",
        api: "catalog",
        action: "upload",
        file: { path: "specs/catalog.yaml", sha256: "0".repeat(64), size: 1 },
        revision: 1,
        time: "2026-01-01T00:00:00Z",
        log: [{ action: "created", scope: "get:a_b", method: "get", path: "/a-b" }],
      },
    ];
    const p = await planFrom(t, first, next, history);
    assert.deepEqual(sourceChange(p).importLog?.[0], {
      action: "duplicate",
      scope: "get:a_b",
      duplicateOf: { method: "get", path: "/a-b" },
      method: "get",
      path: "/a_b",
    });
  });

  test("a scope the new file drops but the Api now lists by hand is not removed: it changes owner", async (t) => {
    const first = catalogFiles(spec("GET /products", "POST /products"));
    const next = catalogFiles(spec("GET /products"), ["post:products"]);
    const p = await planFrom(t, first, next);
    assert.deepEqual(actions(p), ["update OpenApiSource catalog-spec", "update Scope catalog/post:products"]);
    assert.deepEqual(sourceChange(p).importLog, [
      {
        action: "duplicate",
        scope: "get:products",
        duplicateOf: { method: "get", path: "/products" },
        method: "get",
        path: "/products",
      },
    ]);
    assert.equal(
      p.changes.find((c) => c.id === "catalog/post:products")?.note,
      "owner: OpenApiSource catalog-spec → Api list",
    );
  });

  test("deleting the source removes the scopes it generated, and only those", async (t) => {
    const first = catalogFiles(spec("GET /products", "POST /products", "GET /health"), ["get:health"]);
    const p = await planFrom(t, first, catalogApiOnly("get:health"));
    assert.deepEqual(actions(p), [
      "delete Scope catalog/get:products",
      "delete Scope catalog/post:products",
      "delete OpenApiSource catalog-spec",
    ]);
    assert.deepEqual(sourceChange(p).importLog, [
      { action: "removed", scope: "get:products" },
      { action: "removed", scope: "post:products" },
    ]);
  });

  test("the same file under another path is an update without an import", async (t) => {
    const first = catalogFiles(spec("GET /products"));
    const next = {
      "catalog.yaml": edit(
        first["catalog.yaml"] as string,
        "file: specs/catalog.yaml",
        "file: specs/moved.yaml",
      ),
      "specs/moved.yaml": first["specs/catalog.yaml"] as string,
    };
    const p = await planFrom(t, first, next);
    assert.deepEqual(actions(p), ["update OpenApiSource catalog-spec"]);
    assert.deepEqual(sourceChange(p).diff, [
      { path: "file.path", before: "specs/catalog.yaml", after: "specs/moved.yaml" },
    ]);
    assert.equal(sourceChange(p).importLog, undefined);
  });

  test("without the desired state a first import has no log, a deletion still has its removals", async (t) => {
    const files = catalogFiles(spec("GET /products"));
    const { desired } = await loadResources(t, files);
    assert.equal(sourceChange(plan(desired, [])).importLog, undefined);
    const current = await storeOf(t, files);
    const p = plan(
      desired.filter((r) => r.kind === "Api" || r.kind === "Settings"),
      current,
    );
    assert.deepEqual(sourceChange(p).importLog, [{ action: "removed", scope: "get:products" }]);
  });
});
