/** docs/openapi.md, end to end through importSpec: what a valid spec produces. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { importSpec } from "../../src/openapi/index.ts";
import { copyFixture, FIXTURES, minimalSpec, op, put, tempRoot } from "./helpers.ts";

const PETSTORE_SCOPES = [
  ["get:pets", "List pets"],
  ["post:pets", "createPet"],
  ["get:pets_petid", "GET /pets/{petId}"],
  ["delete:pets_petid", "Delete a pet"],
];

describe("importing a spec", () => {
  test("accepts OpenAPI 3.0, 3.1 and Swagger 2.0 in .json, .yaml and .yml", async (t) => {
    const root = await tempRoot(t);
    for (const [fixture, version] of [
      ["petstore-3.0.yaml", "3.0.3"],
      ["petstore-3.1.yaml", "3.1.0"],
      ["petstore-2.0.yaml", "2.0"],
    ] as const) {
      const text = await readFile(path.join(FIXTURES, fixture), "utf8");
      const base = fixture.replace(/\.yaml$/, "");
      const files = {
        json: await put(root, `${base}.json`, JSON.stringify(parseYaml(text), null, 2)),
        yaml: await put(root, `${base}.yaml`, text),
        yml: await put(root, `${base}.yml`, text),
      };
      for (const [ext, file] of Object.entries(files)) {
        const result = await importSpec(file, { root });
        assert.equal(result.specVersion, version, `${base}.${ext}`);
        assert.deepEqual(
          result.scopes.map((s) => [s.name, s.description]),
          PETSTORE_SCOPES,
          `${base}.${ext}`,
        );
        assert.ok(
          result.log.every((e) => e.action === "created"),
          `${base}.${ext}`,
        );
      }
    }
  });

  test("the import records the file: path relative to the root with / separators, SHA-256 and size of its bytes", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.0.yaml", "apis/orders/openapi.yaml");
    const bytes = await readFile(file);
    const result = await importSpec(file, { root });
    assert.deepEqual(result.file, {
      path: "apis/orders/openapi.yaml",
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    });
    assert.deepEqual(result.filesRead, [file]);
  });

  test("the same file imports to the same result every time", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.1.yaml");
    assert.deepEqual(await importSpec(file, { root }), await importSpec(file, { root }));
  });

  test("a changed file gets a different SHA-256", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.0.yaml");
    const before = await importSpec(file, { root });
    await writeFile(file, `${await readFile(file, "utf8")}# a comment\n`);
    const after = await importSpec(file, { root });
    assert.notEqual(after.file.sha256, before.file.sha256);
    assert.deepEqual(after.scopes, before.scopes);
  });

  test("a spec split over several files: $refs inside the root are followed, and every file read is listed", async (t) => {
    const root = await tempRoot(t);
    const dir = await copyFixture(root, "split", "specs/users");
    const result = await importSpec(path.join(dir, "openapi.yaml"), { root });
    assert.deepEqual(
      result.scopes.map((s) => [s.name, s.description]),
      [
        ["get:users", "List users"],
        ["post:users", "createUser"],
        ["get:users_userid", "GET /users/{userId}"],
      ],
    );
    assert.deepEqual(result.filesRead, [
      path.join(dir, "openapi.yaml"),
      path.join(dir, "paths/user-by-id.yaml"),
      path.join(dir, "paths/users.yaml"),
      path.join(dir, "schemas/user.json"),
    ]);
    assert.equal(result.file.path, "specs/users/openapi.yaml");
    // Files are read concurrently; the record is the same every time.
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(
        (await importSpec(path.join(dir, "openapi.yaml"), { root })).filesRead,
        result.filesRead,
      );
    }
  });

  test("a file referenced by $ref is checked against the schema too", async (t) => {
    const root = await tempRoot(t);
    await put(root, "paths/users.yaml", "get:\n  summary: List users\n");
    const file = await put(
      root,
      "openapi.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /users:\n    $ref: ./paths/users.yaml\n',
    );
    await assert.rejects(importSpec(file, { root }), /must have required property 'responses'/);
  });

  test("path items that are $refs generate scopes; webhooks do not (only paths count)", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.1.yaml");
    const result = await importSpec(file, { root });
    assert.ok(result.scopes.some((s) => s.path === "/pets/{petId}" && s.method === "delete"));
    assert.ok(!result.scopes.some((s) => s.path === "newPet"));
    assert.equal(result.log.length, 4);
  });

  test("an operation matching a manual scope is a duplicate (through importSpec)", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.0.yaml");
    const result = await importSpec(file, { root, manualScopes: new Set(["get:pets", "other"]) });
    assert.deepEqual(
      result.scopes.map((s) => s.name),
      ["post:pets", "get:pets_petid", "delete:pets_petid"],
    );
    assert.deepEqual(result.log[0], {
      action: "duplicate",
      scope: "get:pets",
      duplicateOf: { manual: true },
      method: "get",
      path: "/pets",
    });
  });

  test("two operations normalizing to one name share one scope and the later is reported as a duplicate naming both (through importSpec)", async (t) => {
    const root = await tempRoot(t);
    const spec = minimalSpec("3.0.3", { "/a-b": { get: op() }, "/a_b": { get: op({ summary: "later" }) } });
    const file = await put(root, "spec.json", JSON.stringify(spec));
    const result = await importSpec(file, { root });
    assert.deepEqual(
      result.scopes.map((s) => s.name),
      ["get:a_b"],
    );
    assert.deepEqual(result.log[1], {
      action: "duplicate",
      scope: "get:a_b",
      duplicateOf: { method: "get", path: "/a-b" },
      method: "get",
      path: "/a_b",
    });
  });

  test("the root folder may be given relative; the file path is still relative to it", async (t) => {
    const root = await tempRoot(t);
    const file = await copyFixture(root, "petstore-3.0.yaml", "a/b.yaml");
    const result = await importSpec(file, { root: path.relative(process.cwd(), root) });
    assert.equal(result.file.path, "a/b.yaml");
  });
});
