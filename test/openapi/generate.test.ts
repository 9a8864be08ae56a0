/** docs/openapi.md: which operations make scopes, their descriptions, and the import log. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { RESERVED_SCOPE_NAMES } from "../../src/model/names.ts";
import { HTTP_METHODS } from "../../src/model/spec-import.ts";
import { describeOperation, generateScopes } from "../../src/openapi/generate.ts";
import { scopeNameFor } from "../../src/openapi/naming.ts";

const ok = (extra: Record<string, unknown> = {}) => ({
  ...extra,
  responses: { "200": { description: "OK" } },
});

describe("generating scopes from paths", () => {
  test("one scope per operation under paths, in spec order", () => {
    const { scopes, log } = generateScopes({
      "/users": { get: ok({ summary: "List users" }), post: ok({ summary: "Create a user" }) },
      "/users/{userId}": { delete: ok(), get: ok() },
      "/health": { get: ok() },
    });
    assert.deepEqual(
      scopes.map((s) => [s.name, s.method, s.path]),
      [
        ["get:users", "get", "/users"],
        ["post:users", "post", "/users"],
        ["delete:users_userid", "delete", "/users/{userId}"],
        ["get:users_userid", "get", "/users/{userId}"],
        ["get:health", "get", "/health"],
      ],
    );
    assert.deepEqual(
      log.map((e) => e.action),
      ["created", "created", "created", "created", "created"],
    );
  });

  test("only the eight methods generate scopes (GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD, TRACE)", () => {
    const item: Record<string, unknown> = {
      summary: "path-item summary",
      description: "path-item description",
      parameters: [{ name: "id", in: "path", required: true }],
      servers: [{ url: "https://example.com" }],
      "x-internal": { get: ok() },
      connect: ok(),
      query: ok(),
      GET: ok(),
    };
    for (const m of HTTP_METHODS) item[m] = ok();
    const { scopes, log } = generateScopes({ "/things": item });
    assert.deepEqual(
      scopes.map((s) => s.method),
      [...HTTP_METHODS],
    );
    assert.equal(log.length, 8);
    assert.deepEqual(
      scopes.map((s) => s.name),
      HTTP_METHODS.map((m) => `${m}:things`),
    );
  });

  test("description falls back summary → operationId → METHOD path", () => {
    const { scopes } = generateScopes({
      "/users/{userId}": {
        get: ok({ summary: "Get a user", operationId: "getUser" }),
        put: ok({ operationId: "replaceUser" }),
        delete: ok(),
      },
    });
    assert.deepEqual(
      scopes.map((s) => s.description),
      ["Get a user", "replaceUser", "DELETE /users/{userId}"],
    );
  });

  test("description: summary and operationId are trimmed, and blank or non-string ones do not count", () => {
    assert.equal(describeOperation("get", "/a", { summary: "  Hello  " }), "Hello");
    assert.equal(describeOperation("get", "/a", { summary: "   ", operationId: " listA " }), "listA");
    assert.equal(describeOperation("get", "/a", { summary: "", operationId: "\t" }), "GET /a");
    assert.equal(describeOperation("patch", "/A/{Id}", { summary: 42 }), "PATCH /A/{Id}");
    assert.equal(describeOperation("head", "/a", null), "HEAD /a");
  });

  test("reserved names are skipped", () => {
    // A generated name always contains ":" and no reserved name does, so with the product's list this
    // cannot happen; the rule is applied anyway, and here made to apply.
    const reserved = new Set(["get:health"]);
    const { scopes, log } = generateScopes(
      { "/health": { get: ok(), post: ok() } },
      { isReserved: (name) => reserved.has(name) },
    );
    assert.deepEqual(
      scopes.map((s) => s.name),
      ["post:health"],
    );
    assert.deepEqual(log[0], {
      action: "skipped-reserved",
      scope: "get:health",
      method: "get",
      path: "/health",
    });
  });

  test("reserved names are skipped: no generated name can be one of openid, profile, email, offline_access…", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HTTP_METHODS), fc.string(), (m, p) => {
        assert.ok(!RESERVED_SCOPE_NAMES.has(scopeNameFor(m, p)));
      }),
    );
    const paths = Object.fromEntries([...RESERVED_SCOPE_NAMES].map((n) => [`/${n}`, { get: ok() }]));
    const { log } = generateScopes(paths);
    assert.ok(log.every((e) => e.action === "created"));
  });

  test("two operations normalizing to one name share one scope and the later is reported as a duplicate naming both", () => {
    const { scopes, log } = generateScopes({
      "/a-b": { get: ok({ summary: "first" }) },
      "/a_b": { get: ok({ summary: "second" }) },
      "/A.B/": { get: ok() },
    });
    assert.deepEqual(scopes, [{ name: "get:a_b", description: "first", method: "get", path: "/a-b" }]);
    assert.deepEqual(log, [
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
        scope: "get:a_b",
        duplicateOf: { method: "get", path: "/a-b" },
        method: "get",
        path: "/A.B/",
      },
    ]);
  });

  test("an operation matching a manual scope is a duplicate", () => {
    const { scopes, log } = generateScopes(
      { "/users": { get: ok(), post: ok() }, "/users/": { get: ok() } },
      { manualScopes: new Set(["get:users"]) },
    );
    assert.deepEqual(
      scopes.map((s) => s.name),
      ["post:users"],
    );
    assert.deepEqual(log, [
      {
        action: "duplicate",
        scope: "get:users",
        duplicateOf: { manual: true },
        method: "get",
        path: "/users",
      },
      { action: "created", scope: "post:users", method: "post", path: "/users" },
      {
        action: "duplicate",
        scope: "get:users",
        duplicateOf: { manual: true },
        method: "get",
        path: "/users/",
      },
    ]);
  });

  test("output is stable across runs", () => {
    const paths = {
      "/z": { get: ok(), post: ok({ operationId: "z" }) },
      "/a/{id}": { delete: ok({ summary: "d" }) },
      "/z/": { get: ok() },
    };
    assert.deepEqual(generateScopes(paths), generateScopes(structuredClone(paths)));
  });

  const pathArb = fc
    .array(fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-]{1,10}$/), fc.stringMatching(/^\{[a-zA-Z]{1,8}\}$/)), {
      minLength: 1,
      maxLength: 6,
    })
    .map((segments) => `/${segments.join("/")}`);
  const pathsArb = fc.dictionary(
    pathArb,
    fc
      .subarray([...HTTP_METHODS], { minLength: 1 })
      .map((ms) => Object.fromEntries(ms.map((m) => [m, ok()]))),
    { maxKeys: 30 },
  );

  test("property: every operation is logged once, and created entries are exactly the scopes", () => {
    fc.assert(
      fc.property(pathsArb, (paths) => {
        const { scopes, log } = generateScopes(paths);
        const operations = Object.values(paths).reduce((n, item) => n + Object.keys(item).length, 0);
        assert.equal(log.length, operations);
        const created = log.filter((e) => e.action === "created").map((e) => e.scope);
        assert.deepEqual(
          created,
          scopes.map((s) => s.name),
        );
        assert.equal(new Set(created).size, created.length, "scope names are unique");
      }),
    );
  });

  test("property: the generated set is independent of the order of paths (non-colliding inputs)", () => {
    fc.assert(
      fc.property(
        pathsArb.filter((paths) => {
          const normalized = Object.keys(paths).map((p) => scopeNameFor("get", p));
          return new Set(normalized).size === normalized.length;
        }),
        fc.nat(),
        (paths, seed) => {
          const entries = Object.entries(paths);
          // A deterministic shuffle from the seed.
          const shuffled = entries
            .map((e, i) => [e, (i * 2654435761 + seed) % 4294967296] as const)
            .sort((a, b) => a[1] - b[1])
            .map(([e]) => e);
          const names = (p: Record<string, unknown>) =>
            new Set(
              generateScopes(p)
                .scopes.map((s) => `${s.name}|${s.description}`)
                .sort(),
            );
          assert.deepEqual(names(Object.fromEntries(shuffled)), names(paths));
          assert.ok(generateScopes(Object.fromEntries(shuffled)).log.every((e) => e.action === "created"));
        },
      ),
    );
  });
});
