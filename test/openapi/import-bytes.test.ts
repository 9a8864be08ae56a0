/**
 * docs/openapi.md, for a spec that arrives as bytes (an HTTP upload): importSpecBytes gives what importSpec
 * gives for the same bytes in a file (scopes, log, file record, version), and the same InputError for each
 * bad input, except that an uploaded spec is one document, so a `$ref` to another file is refused.
 */
import assert from "node:assert/strict";
import { readFile, truncate } from "node:fs/promises";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { InputError } from "../../src/model/diagnostics.ts";
import {
  importSpec,
  importSpecBytes,
  MAX_NESTING_DEPTH,
  MAX_SPEC_BYTES,
  MAX_YAML_ALIAS_COUNT,
  type SpecFormat,
  type SpecImport,
} from "../../src/openapi/index.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { FIXTURES, minimalSpec, op, put, rejectsWith, tempRoot } from "./helpers.ts";

const formatOfName = (name: string): SpecFormat => (name.endsWith(".json") ? "json" : "yaml");

/** What an import depends on, without filesRead (the file's path there; nothing for bytes). */
function comparable(result: SpecImport) {
  const { filesRead: _, ...rest } = result;
  return rest;
}

async function caught(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the import to fail");
}

/**
 * Imports `content` from a file named `name` at the root and from bytes named `name`, asserts that both
 * fail with the same diagnostics, matching `message`, and returns the error.
 */
async function bothRefuse(t: TestContext, name: string, content: Uint8Array | string, message: RegExp) {
  const root = await tempRoot(t);
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const file = await put(root, name, bytes);
  const fromFile = await caught(importSpec(file, { root }));
  const fromBytes = await caught(importSpecBytes(bytes, { name, format: formatOfName(name) }));
  assert.deepEqual(fromBytes.diagnostics, fromFile.diagnostics);
  assert.match(fromBytes.diagnostics[0]?.message ?? "", message, fromBytes.message);
  return fromBytes;
}

describe("a spec imported from bytes", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("equals the same spec imported from a file, JSON and YAML, every version", async (t) => {
    const root = await tempRoot(t);
    for (const fixture of ["petstore-3.0.yaml", "petstore-3.1.yaml", "petstore-2.0.yaml"]) {
      const text = await readFile(path.join(FIXTURES, fixture), "utf8");
      const base = fixture.replace(/\.yaml$/, "");
      for (const [name, content] of [
        [`${base}.yaml`, text],
        [`${base}.json`, JSON.stringify(parseYaml(text), null, 2)],
      ] as const) {
        const file = await put(root, name, content);
        // A manual scope that one operation normalizes to: the log records it as a duplicate both ways.
        const manualScopes = new Set(["get:pets"]);
        const fromFile = await importSpec(file, { root, manualScopes });
        const fromBytes = await importSpecBytes(new Uint8Array(Buffer.from(content)), {
          name,
          format: formatOfName(name),
          manualScopes,
        });
        assert.deepEqual(comparable(fromBytes), comparable(fromFile), name);
        assert.ok(
          fromBytes.log.some((e) => e.action === "duplicate"),
          name,
        );
        assert.equal(fromBytes.file.path, name);
        assert.deepEqual(fromBytes.filesRead, []);
      }
    }
  });

  test("internal $refs work as from a file, path items included", async (t) => {
    const spec = {
      ...minimalSpec("3.1.0", { "/a": { $ref: "#/components/pathItems/A" } }),
      components: {
        pathItems: { A: { get: op({ summary: "Get A" }) } },
        responses: { Ok: { description: "OK" } },
      },
    };
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", JSON.stringify(spec));
    const fromBytes = await importSpecBytes(Buffer.from(JSON.stringify(spec)), {
      name: "spec.json",
      format: "json",
    });
    assert.deepEqual(comparable(fromBytes), comparable(await importSpec(file, { root })));
    assert.deepEqual(
      fromBytes.scopes.map((s) => [s.name, s.description]),
      [["get:a", "Get A"]],
    );
  });
});

describe("a bad spec from bytes gives the error the same file gives", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("over 20 MB: refused from its size, before it is parsed", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "big.json", "");
    await truncate(file, MAX_SPEC_BYTES + 1);
    const fromFile = await caught(importSpec(file, { root }));
    // NUL bytes: had they been decoded, they would be reported as binary, not as too large.
    const fromBytes = await caught(
      importSpecBytes(new Uint8Array(MAX_SPEC_BYTES + 1), { name: "big.json", format: "json" }),
    );
    assert.deepEqual(fromBytes.diagnostics, fromFile.diagnostics);
    await rejectsWith(Promise.reject(fromBytes), {
      file: "big.json",
      message: /^the spec is 20\.0 MB, over the 20\.0 MB limit$/,
    });
  });

  test("exactly 20 MB is within the limit (judged on its content)", async (t) => {
    await bothRefuse(
      t,
      "edge.yaml",
      " ".repeat(MAX_SPEC_BYTES),
      /^is empty \(it contains only whitespace\)$/,
    );
  });

  test("empty, and only whitespace", async (t) => {
    await bothRefuse(t, "upload.json", "", /^the spec is empty$/);
    await bothRefuse(t, "upload.yaml", "\n  \n\t\n", /^is empty \(it contains only whitespace\)$/);
  });

  test("not OpenAPI, and without paths", async (t) => {
    await bothRefuse(
      t,
      "upload.yaml",
      'info: {title: t, version: "1"}\npaths: {}\n',
      /^is not an OpenAPI 3\.x or Swagger 2\.0 document/,
    );
    await bothRefuse(t, "upload.json", '["openapi", "3.0.3"]', /^is not an OpenAPI document/);
    await bothRefuse(t, "upload.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n', /"paths"/);
  });

  test("JSON and YAML syntax errors, with their line and column", async (t) => {
    const json = await bothRefuse(
      t,
      "upload.json",
      '{\n  "openapi": "3.0.3",\n  "info": {}\n  "paths": {}\n}\n',
      /^is not valid JSON/,
    );
    assert.deepEqual([json.diagnostics[0]?.line, json.diagnostics[0]?.column], [4, 3]);
    await bothRefuse(t, "upload.yaml", "openapi: 3.0.3\ninfo:\n  title: t: x\n", /^is not valid YAML/);
  });

  test("a YAML alias bomb", async (t) => {
    const lol = [
      'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
      "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]",
      "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]",
      "",
    ].join("\n");
    await bothRefuse(
      t,
      "upload.yaml",
      lol,
      new RegExp(`^expands YAML aliases more than ${MAX_YAML_ALIAS_COUNT} times, .*alias bombs`),
    );
  });

  test("binary (NUL bytes), not UTF-8, UTF-16", async (t) => {
    await bothRefuse(t, "upload.json", Buffer.from('{\n  "a": 1\u0000\n}'), /^is a binary file/);
    await bothRefuse(
      t,
      "upload.yaml",
      Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      /^is not valid UTF-8 text/,
    );
    await bothRefuse(
      t,
      "upload.json",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("{}", "utf16le")]),
      /^is encoded in UTF-16 or UTF-32; save it as UTF-8$/,
    );
  });

  test("a __proto__ key, at the key", async (t) => {
    const error = await bothRefuse(
      t,
      "upload.json",
      '{\n  "openapi": "3.0.3",\n  "info": {"title": "t", "version": "1"},\n  "paths": {\n    "/a": {\n      "get": {"responses": {"200": {"description": "OK", "__proto__": {"polluted": true}}}}\n    }\n  }\n}\n',
      /^has a "__proto__" key, which scopectl refuses \(prototype pollution\)$/,
    );
    assert.equal(error.diagnostics[0]?.field, 'paths["/a"].get.responses["200"].__proto__');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("nesting deeper than the limit", async (t) => {
    const deep = `${"[".repeat(MAX_NESTING_DEPTH + 5)}${"]".repeat(MAX_NESTING_DEPTH + 5)}`;
    await bothRefuse(
      t,
      "upload.json",
      `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},\n "x-deep": ${deep}}`,
      new RegExp(`^nests deeper than ${MAX_NESTING_DEPTH} levels$`),
    );
  });

  test("a schema violation", async (t) => {
    await bothRefuse(
      t,
      "upload.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      responses: 12\n',
      /^is not a valid OpenAPI 3\.0 document: must be of type object$/,
    );
  });

  test("a $ref to a URL, or to nothing inside the spec", async (t) => {
    const withRef = (ref: string) =>
      `openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      responses:\n        "200":\n          $ref: "${ref}"\n`;
    for (const ref of ["https://example.com/spec.yaml", "file:///etc/passwd", "//example.com/spec.yaml"]) {
      const error = await bothRefuse(
        t,
        "upload.yaml",
        withRef(ref),
        /is a URL; scopectl never fetches \$refs/,
      );
      assert.equal(error.diagnostics[0]?.field, 'paths["/a"].get.responses["200"].$ref');
    }
    await bothRefuse(t, "upload.yaml", withRef("#/components/responses/Nope"), /points to nothing/);
  });
});

describe("an uploaded spec is one document", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a $ref to another file is refused, naming the field, without reading anything", async () => {
    const withRef = (ref: string) =>
      `openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      responses:\n        "200":\n          $ref: "${ref}"\n`;
    // package.json exists in the working directory: refused all the same, since nothing is read.
    for (const ref of ["other.yaml#/X", "./a.json", "package.json", "../outside.yaml", "/etc/passwd"]) {
      await rejectsWith(importSpecBytes(Buffer.from(withRef(ref)), { name: "upload.yaml", format: "yaml" }), {
        file: "upload.yaml",
        message: new RegExp(
          `^an uploaded spec is one file: the \\$ref "${ref.replace(/[./#]/g, "\\$&")}" points to another file; bundle the spec into one file before uploading$`,
        ),
        line: 8,
        column: 17,
        field: 'paths["/a"].get.responses["200"].$ref',
      });
    }
  });

  test("a spec split over files (the split fixture) is refused at its first $ref to another file", async () => {
    const bytes = await readFile(path.join(FIXTURES, "split/openapi.yaml"));
    await rejectsWith(importSpecBytes(bytes, { name: "openapi.yaml", format: "yaml" }), {
      file: "openapi.yaml",
      message: /^an uploaded spec is one file: the \$ref "\.\/paths\/users\.yaml" points to another file/,
      line: 7,
      column: 11,
      field: 'paths["/users"].$ref',
    });
  });
});
