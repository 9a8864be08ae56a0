/** docs/openapi.md: how an operation's method and path become a scope name. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isReservedScopeName } from "../../src/model/names.ts";
import { HTTP_METHODS } from "../../src/model/spec-import.ts";
import {
  CUT_NAME_HASH_LENGTH,
  CUT_NAME_PREFIX_LENGTH,
  normalizePath,
  ROOT_PATH_NAME,
  SCOPE_NAME_MAX_LENGTH,
  scopeNameFor,
  shortenName,
} from "../../src/openapi/naming.ts";

const NAME = /^(get|post|put|patch|delete|options|head|trace):[a-z0-9_]{1,}$/;

/** Paths as specs write them, and anything else a string can hold. */
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.~-]{0,12}$/),
  fc.stringMatching(/^\{[A-Za-z0-9_]{1,12}\}$/),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);
const specPath = fc.array(segment, { maxLength: 12 }).map((parts) => `/${parts.join("/")}`);
const anyPath = fc.oneof(
  specPath,
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 120 }),
);
const method = fc.constantFrom(...HTTP_METHODS);

describe("scope names from operations", () => {
  test("GET /users/{userId} → get:users_userid", () => {
    assert.equal(scopeNameFor("get", "/users/{userId}"), "get:users_userid");
  });

  test("POST /users/{userId} → post:users_userid", () => {
    assert.equal(scopeNameFor("post", "/users/{userId}"), "post:users_userid");
  });

  test("GET /health → get:health", () => {
    assert.equal(scopeNameFor("get", "/health"), "get:health");
  });

  test("normalizes: lowercases method and path", () => {
    assert.equal(scopeNameFor("GET", "/Users/ByEmail"), "get:users_byemail");
    assert.equal(scopeNameFor("Delete", "/ORDERS"), "delete:orders");
  });

  test("normalizes: drops { and } (they do not separate words)", () => {
    assert.equal(normalizePath("/users/{userId}"), "users_userid");
    assert.equal(normalizePath("/files/{name}.{ext}"), "files_name_ext");
    assert.equal(normalizePath("/a{b}c"), "abc");
  });

  test("normalizes: every run of characters outside [a-z0-9], the / included, becomes one _", () => {
    assert.equal(normalizePath("/a-b"), "a_b");
    assert.equal(normalizePath("/a_b"), "a_b");
    assert.equal(normalizePath("/a//--..__b"), "a_b");
    assert.equal(normalizePath("/v1/orders/{id}:cancel"), "v1_orders_id_cancel");
    assert.equal(normalizePath("/café/straße"), "caf_stra_e");
  });

  test("normalizes: trims _ at both ends", () => {
    assert.equal(normalizePath("/users/"), "users");
    assert.equal(normalizePath("__/users/__"), "users");
    assert.equal(normalizePath("/_private_"), "private");
  });

  test("root path / normalizes to root", () => {
    assert.equal(ROOT_PATH_NAME, "root");
    assert.equal(scopeNameFor("get", "/"), "get:root");
    assert.equal(scopeNameFor("get", "/{}"), "get:root");
    assert.equal(scopeNameFor("get", "/-/_/"), "get:root");
    assert.equal(scopeNameFor("get", ""), "get:root");
  });

  test("names longer than 64 characters are cut to 55 + _ + 8 hex of SHA-256", () => {
    assert.equal(SCOPE_NAME_MAX_LENGTH, 64);
    assert.equal(CUT_NAME_PREFIX_LENGTH + 1 + CUT_NAME_HASH_LENGTH, 64);
    const path = "/organizations/{organizationId}/projects/{projectId}/environments/{environmentId}";
    const full = "get:organizations_organizationid_projects_projectid_environments_environmentid";
    assert.ok(full.length > 64);
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
    const name = scopeNameFor("get", path);
    assert.equal(name, `${full.slice(0, 55)}_${hash}`);
    assert.equal(name.length, 64);
  });

  test("a name of exactly 64 characters is kept whole; 65 is cut", () => {
    const at64 = `get:${"a".repeat(60)}`;
    assert.equal(shortenName(at64), at64);
    const at65 = `get:${"a".repeat(61)}`;
    assert.notEqual(shortenName(at65), at65);
    assert.equal(shortenName(at65).length, 64);
  });

  test("long names that share their first 55 characters stay distinct", () => {
    const base = `/${"segment/".repeat(10)}`;
    const a = scopeNameFor("get", `${base}alpha`);
    const b = scopeNameFor("get", `${base}beta`);
    assert.equal(a.slice(0, 55), b.slice(0, 55));
    assert.notEqual(a, b);
  });

  test("only the eight HTTP methods have names; anything else is a programming error", () => {
    for (const m of HTTP_METHODS) assert.match(scopeNameFor(m, "/x"), NAME);
    assert.throws(() => scopeNameFor("connect", "/x"), TypeError);
    assert.throws(() => scopeNameFor("parameters", "/x"), TypeError);
  });

  test("property: names match ^(get|post|put|patch|delete|options|head|trace):[a-z0-9_]{1,}$ and never exceed 64 characters", () => {
    fc.assert(
      fc.property(method, anyPath, (m, p) => {
        const name = scopeNameFor(m, p);
        assert.match(name, NAME);
        assert.ok(name.length <= 64, name);
        assert.ok(!isReservedScopeName(name));
      }),
      { numRuns: 2000 },
    );
  });

  test("property: names are deterministic (same operation, same name, across calls and case)", () => {
    fc.assert(
      fc.property(method, anyPath, (m, p) => {
        assert.equal(scopeNameFor(m, p), scopeNameFor(m, p));
        assert.equal(scopeNameFor(m.toUpperCase(), p), scopeNameFor(m, p));
      }),
      { numRuns: 1000 },
    );
  });

  test("property: a name under the limit is exactly method:normalized path; a longer one is its cut form", () => {
    fc.assert(
      fc.property(method, anyPath, (m, p) => {
        const full = `${m}:${normalizePath(p)}`;
        const name = scopeNameFor(m, p);
        if (full.length <= 64) assert.equal(name, full);
        else {
          const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
          assert.equal(name, `${full.slice(0, 55)}_${hash}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("property: normalizing a normalized path changes nothing", () => {
    fc.assert(
      fc.property(anyPath, (p) => {
        const once = normalizePath(p);
        assert.equal(normalizePath(once), once);
      }),
      { numRuns: 1000 },
    );
  });
});
