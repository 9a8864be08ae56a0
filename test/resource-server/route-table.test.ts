/**
 * Matching a request to its spec's operation (src/resource-server/route-table.ts): the most concrete
 * template first, the search going on when a template lacks the method, HEAD as GET only without a HEAD
 * operation, base paths from servers / basePath, the Express-lenient retry, and refusals of paths that do
 * not decode.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { scopeNameFor } from "../../src/openapi/naming.ts";
import { AccessRefused } from "../../src/resource-server/errors.ts";
import { RouteTable } from "../../src/resource-server/route-table.ts";
import { routeTableOfFile } from "../../src/resource-server/spec-routes.ts";
import { REPO_ROOT } from "../support/cli.ts";

const ok = { responses: { "200": { description: "ok" } } };

function table(paths: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return RouteTable.fromDocument({ openapi: "3.0.3", info: { title: "t", version: "1" }, paths, ...extra });
}

const matched = (t: RouteTable, method: string, p: string) => {
  const m = t.match(method, p);
  return m && `${m.operation.method.toUpperCase()} ${m.operation.path}`;
};

describe("route table", { timeout: 60_000 }, () => {
  test("a concrete template beats a templated one, whatever order the spec lists them in", () => {
    const t = table({
      "/users/{id}": { get: ok },
      "/users/me": { get: ok },
      "/users/{id}.json": { get: ok },
    });
    assert.equal(matched(t, "GET", "/users/me"), "GET /users/me");
    assert.equal(matched(t, "GET", "/users/42"), "GET /users/{id}");
    // A segment mixing text and an expression is more concrete than a whole expression.
    assert.equal(matched(t, "GET", "/users/42.json"), "GET /users/{id}.json");
    const m = t.match("GET", "/users/42.json");
    assert.deepEqual(m?.params, { id: "42" });
    assert.equal(m?.operation.scope, scopeNameFor("get", "/users/{id}.json"));
  });

  test("the search goes on to a less concrete template when the concrete one lacks the method", () => {
    const t = table({ "/users/me": { get: ok }, "/users/{id}": { delete: ok } });
    assert.equal(matched(t, "DELETE", "/users/me"), "DELETE /users/{id}");
    assert.equal(matched(t, "PUT", "/users/me"), undefined);
  });

  test("HEAD is a template's HEAD operation, else that template's GET one (as a router falls back), and says so", () => {
    const t = table({
      "/a": { get: ok },
      "/b": { get: ok, head: ok },
      "/c/{x}": { head: ok },
      "/c/d": { get: ok },
    });
    assert.deepEqual(
      [t.match("HEAD", "/a")?.operation.scope, t.match("HEAD", "/a")?.headAsGet],
      ["get:a", true],
    );
    assert.deepEqual(
      [t.match("HEAD", "/b")?.operation.scope, t.match("HEAD", "/b")?.headAsGet],
      ["head:b", false],
    );
    // /c/d has no HEAD operation: its GET one answers HEAD, as Express's first matching route would
    // (the HEAD of /c/{x} is a less concrete template's).
    assert.equal(matched(t, "HEAD", "/c/d"), "GET /c/d");
    assert.equal(matched(t, "HEAD", "/c/e"), "HEAD /c/{x}");
    assert.equal(matched(t, "GET", "/a"), "GET /a");
  });

  test("methods: any case; not one of the eight → no operation", () => {
    const t = table({ "/a": { get: ok, trace: ok } });
    assert.equal(matched(t, "get", "/a"), "GET /a");
    assert.equal(matched(t, "TRACE", "/a"), "TRACE /a");
    assert.equal(t.match("CONNECT", "/a"), undefined);
    assert.equal(t.match("PROPFIND", "/a"), undefined);
  });

  test("an expression holds at least one character and never a `/`; %2F stays inside its segment", () => {
    const t = table({ "/files/{name}": { get: ok } });
    assert.equal(t.match("GET", "/files/"), undefined);
    assert.equal(t.match("GET", "/files/a/b"), undefined);
    assert.deepEqual(t.match("GET", "/files/a%2Fb")?.params, { name: "a/b" });
    assert.deepEqual(t.match("GET", "/files/caf%C3%A9")?.params, { name: "café" });
  });

  test("a path that does not decode, or does not start with /, is an invalid request", () => {
    const t = table({ "/files/{name}": { get: ok } });
    for (const bad of ["/files/%zz", "/files/%E0%A4%A", "files/a", "*"]) {
      assert.throws(
        () => t.match("GET", bad),
        (e: unknown) =>
          e instanceof AccessRefused && e.code === "resource.invalid-request" && e.status === 400,
        bad,
      );
    }
  });

  test("what Express would route leniently (case, one trailing slash) is matched and flagged", () => {
    const t = table({ "/Products": { get: ok }, "/products/{id}": { get: ok } });
    assert.equal(t.match("GET", "/Products")?.lenient, false);
    assert.equal(t.match("GET", "/products")?.lenient, true);
    assert.equal(matched(t, "GET", "/PRODUCTS/"), "GET /Products");
    assert.equal(matched(t, "GET", "/products/7/"), "GET /products/{id}");
    assert.deepEqual(t.match("GET", "/PRODUCTS/Ab")?.params, { id: "Ab" });
    assert.equal(t.match("GET", "/products//"), undefined);
  });

  test("a path that is one operation to the spec and another to a case-insensitive router is refused", () => {
    const t = table({
      "/users/all": { delete: ok },
      "/users/{id}": { delete: ok, get: ok },
      "/users/me": { get: ok },
    });
    for (const p of ["/users/ALL", "/users/All", "/users/%61ll", "/users/%6De"]) {
      const method = p.endsWith("De") ? "GET" : "DELETE";
      assert.throws(
        () => t.match(method, p),
        (e: unknown) =>
          e instanceof AccessRefused &&
          e.code === "resource.invalid-request" &&
          /case-insensitive router/.test(e.message),
        p,
      );
    }
    // The spec's reading alone (OpenAPI's) has an answer for each.
    assert.equal(t.matchSpec("DELETE", "/users/ALL")?.operation.path, "/users/{id}");
    assert.equal(t.matchSpec("GET", "/users/%6De")?.operation.path, "/users/me");
    assert.equal(matched(t, "DELETE", "/users/all"), "DELETE /users/all");
    assert.equal(matched(t, "DELETE", "/users/Bob"), "DELETE /users/{id}");
  });

  test("a template with a trailing slash is matched without it, as Express routes it", () => {
    const t = table({ "/admin/": { get: ok }, "/files/{name}/": { get: ok } });
    assert.equal(t.match("GET", "/admin/")?.lenient, false);
    assert.equal(t.match("GET", "/admin")?.lenient, true);
    assert.equal(matched(t, "GET", "/ADMIN"), "GET /admin/");
    assert.equal(matched(t, "GET", "/files/x"), "GET /files/{name}/");
  });

  test("mixed segments: earlier expressions take the most (Express's split), in linear time", () => {
    const t = table({
      "/f/{name}.{ext}": { get: ok },
      "/g/{a}.{b}.{c}.json": { get: ok },
      "/h/{a}{b}": { get: ok },
    });
    assert.deepEqual(t.match("GET", "/f/a.b.c")?.params, { name: "a.b", ext: "c" });
    assert.deepEqual(t.match("GET", "/g/x.y.z.json")?.params, { a: "x", b: "y", c: "z" });
    assert.deepEqual(t.match("GET", "/h/abc")?.params, { a: "ab", b: "c" });
    assert.equal(t.match("GET", "/f/.x"), undefined);
    assert.equal(t.match("GET", "/f/x."), undefined);
    assert.equal(t.match("GET", "/g/..json"), undefined);
    // A hostile segment (a regular expression here would backtrack for minutes): no match, at once.
    assert.equal(t.match("GET", `/g/${".".repeat(8000)}x`), undefined);
  });

  test("a path over 8192 characters is refused before matching; methodsAt names a known path's methods", () => {
    const t = table({ "/a/{x}": { get: ok, post: ok }, "/a/b": { delete: ok } });
    assert.throws(() => t.match("GET", `/a/${"x".repeat(9000)}`), /longer than 8192/);
    assert.deepEqual(t.methodsAt("/a/b"), ["get", "post", "delete"]);
    assert.deepEqual(t.methodsAt("/A/b/"), ["get", "post", "delete"]);
    assert.deepEqual(t.methodsAt("/nowhere"), []);
  });

  test("base paths: servers' URL paths (variables at their defaults), relative URLs, Swagger 2.0 basePath", () => {
    const servers = [
      { url: "https://api.example.com/catalog" },
      {
        url: "https://{region}.example.com/{version}",
        variables: { region: { default: "eu" }, version: { default: "v2" } },
      },
      { url: "/relative/" },
    ];
    const t = table({ "/items": { get: ok } }, { servers });
    for (const p of ["/catalog/items", "/v2/items", "/relative/items"])
      assert.equal(matched(t, "GET", p), "GET /items", p);
    assert.equal(t.match("GET", "/items"), undefined);
    assert.equal(t.match("GET", "/catalog/items")?.basePath, "/catalog");

    const versions = table(
      { "/items": { get: ok } },
      { servers: [{ url: "/api/{v}", variables: { v: { default: "v1", enum: ["v1", "v2"] } } }] },
    );
    for (const p of ["/api/v1/items", "/api/v2/items"])
      assert.equal(matched(versions, "GET", p), "GET /items", p);
    assert.equal(versions.match("GET", "/api/v3/items"), undefined);

    const swagger = RouteTable.fromDocument({
      swagger: "2.0",
      basePath: "/api",
      paths: { "/items": { get: ok } },
    });
    assert.equal(matched(swagger, "GET", "/api/items"), "GET /items");
    const none = table({ "/items": { get: ok } });
    assert.equal(none.match("GET", "/items")?.basePath, "/");
  });

  test("a Path Item's or an Operation's servers replace the document's; the basePaths option replaces all", () => {
    const t = table(
      {
        "/a": { servers: [{ url: "/item-level" }], get: ok },
        "/b": { get: { ...ok, servers: [{ url: "/op-level" }] }, post: ok },
      },
      { servers: [{ url: "/doc" }] },
    );
    assert.equal(matched(t, "GET", "/item-level/a"), "GET /a");
    assert.equal(t.match("GET", "/doc/a"), undefined);
    assert.equal(matched(t, "GET", "/op-level/b"), "GET /b");
    assert.equal(matched(t, "POST", "/doc/b"), "POST /b");
    const mounted = RouteTable.fromDocument(
      { openapi: "3.0.3", servers: [{ url: "/doc" }], paths: { "/a": { get: ok } } },
      { basePaths: ["/"] },
    );
    assert.equal(matched(mounted, "GET", "/a"), "GET /a");
    assert.equal(mounted.match("GET", "/doc/a"), undefined);
  });

  test("templates that differ only in parameter names: the spec's first is the route, the other is reported", () => {
    const t = table({ "/u/{id}": { get: ok }, "/u/{name}": { get: ok, put: ok } });
    assert.equal(matched(t, "GET", "/u/x"), "GET /u/{id}");
    assert.equal(matched(t, "PUT", "/u/x"), "PUT /u/{name}");
    assert.deepEqual(
      t.shadowed.map((s) => [s.operation.path, s.by.path]),
      [["/u/{name}", "/u/{id}"]],
    );
  });

  test("the config's catalog spec: every operation's scope is the importer's, the long one cut to 64", async () => {
    const t = await routeTableOfFile(path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml"));
    assert.equal(t.operations.length, 13);
    for (const op of t.operations) assert.equal(op.scope, scopeNameFor(op.method, op.path));
    const long = t.match("PUT", "/catalog/warehouses/w1/bins/b2/inventory-adjustments/a3/approval");
    assert.equal(long?.operation.scope.length, 64);
    assert.deepEqual(long?.params, { warehouseId: "w1", binId: "b2", adjustmentId: "a3" });
    assert.deepEqual(t.scopes(), [...new Set(t.operations.map((o) => o.scope))]);
  });

  test("a spec the importer refuses is refused the same way", async () => {
    await assert.rejects(
      routeTableOfFile(path.join(REPO_ROOT, "config/specs/missing.yaml")),
      (e: unknown) => e instanceof Error && /missing\.yaml/.test(e.message),
    );
  });
});
