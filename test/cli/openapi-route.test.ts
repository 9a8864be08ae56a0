/**
 * `scopectl openapi route FILE METHOD PATH` (src/cli/openapi-route.ts): the operation and scope the
 * middleware would require, as text and JSON, with the HEAD and lenient notes; no operation, a path that
 * does not decode and a refused spec are errors (exit 1) that name what was asked.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli } from "../support/cli.ts";

const SPEC = "config/specs/catalog.openapi.yaml";

describe("scopectl openapi route", { timeout: 180_000 }, () => {
  test("a concrete request: its operation, scope, base path and parameters", () => {
    const run = runCli(["openapi", "route", SPEC, "GET", "/catalog/products/42"]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /operation\s+GET \/products\/\{productId\}\s+\(Get a product\)/);
    assert.match(run.stdout, /scope\s+get:products_productid\n/);
    assert.match(run.stdout, /base path\s+\/catalog/);
    assert.match(run.stdout, /parameters\s+productId="42"/);
  });

  test("--json, a whole URL, HEAD as GET and the long name cut to 64", () => {
    const run = runCli([
      "openapi",
      "route",
      SPEC,
      "head",
      "https://api.example.com/catalog/products?cursor=x",
      "--json",
    ]);
    assert.equal(run.status, 0, run.stderr);
    const answer = JSON.parse(run.stdout);
    assert.equal(answer.scope, "get:products");
    assert.equal(answer.headAsGet, true);
    assert.deepEqual(answer.request, { method: "HEAD", path: "/catalog/products" });
    const long = runCli([
      "openapi",
      "route",
      SPEC,
      "PUT",
      "/catalog/warehouses/w/bins/b/inventory-adjustments/a/approval",
      "--json",
    ]);
    assert.equal(
      JSON.parse(long.stdout).scope,
      "put:warehouses_warehouseid_bins_binid_inventory_adjustm_5f5240cf",
    );
    const text = runCli(["openapi", "route", SPEC, "HEAD", "/catalog/products"]);
    assert.match(text.stdout, /the spec has no HEAD operation for this path/);
  });

  test("--base-path for an API mounted elsewhere than its servers say", () => {
    const run = runCli(["openapi", "route", SPEC, "GET", "/products", "--base-path", "/", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).scope, "get:products");
  });

  test("no operation, a bad path, a refused spec: exit 1 naming what was asked", () => {
    const wrongMethod = runCli(["openapi", "route", SPEC, "GET", "/catalog/search"]);
    assert.equal(wrongMethod.status, 1);
    assert.match(
      wrongMethod.stderr,
      /no operation of config\/specs\/catalog\.openapi\.yaml is GET \/catalog\/search \(this path takes OPTIONS, HEAD\)/,
    );
    const nowhere = runCli(["openapi", "route", SPEC, "GET", "/products", "--json"]);
    assert.equal(nowhere.status, 1);
    assert.equal(JSON.parse(nowhere.stdout).code, "resource.no-operation");
    assert.match(JSON.parse(nowhere.stdout).error, /base paths: \/catalog/);
    const bad = runCli(["openapi", "route", SPEC, "GET", "/catalog/products/%zz"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /malformed percent-encoding/);
    const missing = runCli(["openapi", "route", "config/specs/none.yaml", "GET", "/x"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /none\.yaml/);
  });
});
