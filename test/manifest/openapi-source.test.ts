/**
 * OpenApiSources end to end, with the real OpenAPI import: generated scopes merged after the manual
 * ones, spec files and their fragments living in the manifest tree, and import errors that name both
 * the spec and the OpenApiSource that referenced it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { assertOneError, loadErrors, ORDERS_API, ORDERS_SPEC, tenant, yaml } from "./helpers.ts";

const SOURCE = (file: string) =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: OpenApiSource",
    "metadata: { name: orders-spec }",
    "spec:",
    "  api: orders",
    `  file: ${file}`,
  );

describe("OpenApiSource", () => {
  test("generated scopes come after the manual ones and can be granted", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "source.yaml": SOURCE("openapi/orders.yml"),
      "openapi/orders.yml": ORDERS_SPEC,
      "role.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Role",
        "metadata: { name: support }",
        "spec:",
        "  scopes: { orders: [read:orders, delete:orders_orderid] }",
      ),
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(
      state.apis.get("orders")?.scopes.map((s) => `${s.origin}:${s.name}`),
      [
        "manual:read:orders",
        "manual:write:orders",
        "openapi:get:orders",
        "openapi:get:orders_orderid",
        "openapi:delete:orders_orderid",
      ],
    );
    assert.deepEqual(state.openApiSources.get("orders-spec")?.scopes, [
      "get:orders",
      "get:orders_orderid",
      "delete:orders_orderid",
    ]);
    assert.deepEqual(state.roles.get("support")?.scopes, {
      orders: ["read:orders", "delete:orders_orderid"],
    });
  });

  test("a YAML spec in the tree is not read as a manifest, nor are the fragments it pulls in", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "source.yaml": SOURCE("specs/orders.yaml"),
      "specs/orders.yaml": yaml(
        "openapi: 3.0.3",
        "info: { title: Orders, version: 1.0.0 }",
        "paths:",
        "  /orders:",
        "    $ref: './paths/orders.yaml'",
      ),
      // A fragment: no apiVersion, no kind, no openapi key. Read by the spec, so not an error.
      "specs/paths/orders.yaml": yaml(
        "get:",
        "  summary: List orders",
        "  responses: { '200': { description: ok } }",
      ),
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(state.openApiSources.get("orders-spec")?.scopes, ["get:orders"]);
  });

  test("a document without apiVersion and kind that no spec reads is an error", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "stray.yaml": yaml("name: orders", "audience: https://api.example.com/orders"),
    });
    await assertOneError(dir, {
      file: "stray.yaml",
      line: 1,
      column: 1,
      message:
        /^this document has no apiVersion and kind, so it is not a manifest, and no OpenApiSource's spec reads this file/,
    });
  });

  test("a spec nobody references is left alone", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "specs/unused.yaml": "swagger: '2.0'\n{ not: [valid\n",
    });
    const state = await loadDesiredState(dir);
    assert.equal(state.openApiSources.size, 0);
  });

  test("an import error names the spec and the OpenApiSource that referenced it", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "sources/orders.yaml": SOURCE("../specs/orders.yaml"),
      "specs/orders.yaml": yaml("openapi: 3.0.3", "info: { title: Orders, version: 1.0.0 }"),
    });
    const diagnostics = await loadErrors(dir);
    assert.ok(diagnostics.length >= 1, JSON.stringify(diagnostics));
    for (const d of diagnostics) {
      assert.equal(d.file, "specs/orders.yaml");
      assert.match(d.message, /\(spec of OpenApiSource "orders-spec", sources\/orders\.yaml:6:9\)$/);
    }
    assert.match(diagnostics.map((d) => d.message).join("\n"), /paths/);
  });

  test("a missing spec file is one error that names the OpenApiSource", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API, "source.yaml": SOURCE("specs/nope.yaml") });
    const d = await assertOneError(dir, {
      file: "specs/nope.yaml",
      message: /\(spec of OpenApiSource "orders-spec", source\.yaml:6:9\)$/,
    });
    assert.match(d.message, /does not exist/);
  });

  test("when an import fails, grants of the Api's scopes are not judged against a partial list", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "source.yaml": SOURCE("specs/nope.yaml"),
      "role.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Role",
        "metadata: { name: support }",
        "spec:",
        "  scopes: { orders: [get:orders] }",
      ),
    });
    const diagnostics = await loadErrors(dir);
    assert.deepEqual(
      diagnostics.map((d) => d.file),
      ["specs/nope.yaml"],
    );
  });
});
