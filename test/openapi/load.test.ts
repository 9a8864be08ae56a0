/**
 * docs/openapi.md and docs/architecture.md#errors: every bad input is one clear error that names the file (relative to
 * the root), and the line and column where there is one. Nothing is returned for a bad spec.
 */
import assert from "node:assert/strict";
import { mkdir, symlink, truncate } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import {
  importSpec,
  MAX_NESTING_DEPTH,
  MAX_SPEC_BYTES,
  MAX_YAML_ALIAS_COUNT,
} from "../../src/openapi/index.ts";
import { BOMB_TIMEOUT_MS } from "../support/timeouts.ts";
import { minimalSpec, op, put, rejectsWith, tempRoot } from "./helpers.ts";

const VALID_YAML = `openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /health:
    get:
      responses:
        "200":
          description: OK
`;

describe("reading the spec file", () => {
  test("a missing file is an error naming it", async (t) => {
    const root = await tempRoot(t);
    await rejectsWith(importSpec(path.join(root, "specs/missing.yaml"), { root }), {
      file: "specs/missing.yaml",
      message: /^the spec does not exist$/,
    });
  });

  test("only .json, .yaml and .yml files are accepted", async (t) => {
    const root = await tempRoot(t);
    for (const name of ["spec.txt", "spec.yaml.bak", "spec"]) {
      const file = await put(root, name, VALID_YAML);
      await rejectsWith(importSpec(file, { root }), {
        file: name,
        message: /^the spec must be a \.json, \.yaml or \.yml file, not (\.txt|\.bak|no extension)$/,
      });
    }
    // The extension is matched without regard to case.
    const upper = await put(root, "SPEC.YML", VALID_YAML);
    assert.equal((await importSpec(upper, { root })).scopes.length, 1);
  });

  test("a file over 20 MB is refused from its size, before it is read", async (t) => {
    const root = await tempRoot(t);
    assert.equal(MAX_SPEC_BYTES, 20 * 1024 * 1024);
    // A sparse file of NUL bytes: had it been read, it would be reported as binary, not as too large.
    const file = await put(root, "big.json", "");
    await truncate(file, MAX_SPEC_BYTES + 1);
    await rejectsWith(importSpec(file, { root }), {
      file: "big.json",
      message: /^the spec is 20\.0 MB, over the 20\.0 MB limit$/,
    });
  });

  test("a file of exactly 20 MB is within the limit", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "edge.yaml", " ".repeat(MAX_SPEC_BYTES));
    // Read and judged on its content (only spaces), not refused for its size.
    await rejectsWith(importSpec(file, { root }), { file: "edge.yaml", message: /is empty/ });
  });

  test("an empty file is an error", async (t) => {
    const root = await tempRoot(t);
    const empty = await put(root, "empty.json", "");
    await rejectsWith(importSpec(empty, { root }), { file: "empty.json", message: /^the spec is empty$/ });
    const blank = await put(root, "blank.yaml", "\n  \n\t\n");
    await rejectsWith(importSpec(blank, { root }), {
      file: "blank.yaml",
      message: /^is empty \(it contains only whitespace\)$/,
    });
  });

  test("a binary file (NUL bytes) is an error that points at the first NUL", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", Buffer.from('{\n  "a": 1\u0000\n}'));
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is a binary file \(it contains NUL bytes\), not JSON or YAML text$/,
      line: 2,
      column: 9,
    });
  });

  test("a file that is not valid UTF-8 is an error", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^is not valid UTF-8 text \(it looks like a binary file\)$/,
    });
  });

  test("a UTF-16 file is an error that says so", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.json",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("{}", "utf16le")]),
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is encoded in UTF-16 or UTF-32; save it as UTF-8$/,
      line: 1,
      column: 1,
    });
  });

  test("a UTF-8 byte-order mark is accepted", async (t) => {
    const root = await tempRoot(t);
    const json = await put(
      root,
      "spec.json",
      `\uFEFF${JSON.stringify(minimalSpec("3.0.3", { "/a": { get: op() } }))}`,
    );
    assert.deepEqual(
      (await importSpec(json, { root })).scopes.map((s) => s.name),
      ["get:a"],
    );
    const yaml = await put(root, "spec.yaml", `\uFEFF${VALID_YAML}`);
    assert.equal((await importSpec(yaml, { root })).scopes.length, 1);
  });

  test("a spec outside the root folder is refused", async (t) => {
    const root = await tempRoot(t);
    const inside = path.join(root, "config");
    await mkdir(inside);
    const outside = await put(root, "spec.yaml", VALID_YAML);
    await rejectsWith(importSpec(outside, { root: inside }), {
      file: "../spec.yaml",
      message: /^the spec is outside the root folder .*; it must be inside it$/,
    });
  });

  test("a spec that is a symlink to a file outside the root is refused", async (t) => {
    const root = await tempRoot(t);
    const target = await put(root, "elsewhere/spec.yaml", VALID_YAML);
    await mkdir(path.join(root, "config"));
    await symlink(target, path.join(root, "config/spec.yaml"));
    await rejectsWith(importSpec(path.join(root, "config/spec.yaml"), { root: path.join(root, "config") }), {
      file: "spec.yaml",
      message:
        /^the spec is a link to .*elsewhere\/spec\.yaml, outside the root folder; it must stay inside it$/,
    });
  });

  test("a directory named like a spec is an error", async (t) => {
    const root = await tempRoot(t);
    await mkdir(path.join(root, "spec.yaml"));
    await rejectsWith(importSpec(path.join(root, "spec.yaml"), { root }), {
      file: "spec.yaml",
      message: /^the spec is a directory, not a file$/,
    });
  });
});

describe("parsing the spec", () => {
  test("a JSON syntax error gives its line and column (V8 reports the position)", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", '{\n  "openapi": "3.0.3",\n  "info": {}\n  "paths": {}\n}\n');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is not valid JSON: Expected ',' or '}' after property value$/,
      line: 4,
      column: 3,
    });
  });

  test("a JSON syntax error gives its line and column (V8 does not report the position)", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", '{\n  "a": 1,\n  "b": x\n}\n');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is not valid JSON: Unexpected token 'x'$/,
      line: 3,
      column: 8,
    });
    const cut = await put(root, "cut.json", '{\n  "openapi": [\n');
    await rejectsWith(importSpec(cut, { root }), {
      file: "cut.json",
      message: /^is not valid JSON: Unexpected end of JSON input$/,
      line: 3,
      column: 1,
    });
  });

  test("a JSON syntax error on a line with CRLF endings is placed right", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", '{\r\n  "a": 1,\r\n  "b": 2,\r\n}\r\n');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is not valid JSON: Expected double-quoted property name$/,
      line: 4,
      column: 1,
    });
  });

  test("a YAML syntax error gives its line and column", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", "openapi: 3.0.3\ninfo:\n  title: t: x\n");
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^is not valid YAML: Nested mappings are not allowed in compact mappings$/,
      line: 3,
      column: 10,
    });
  });

  test("a duplicate YAML key is an error that names the key", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", "openapi: 3.0.3\npaths: {}\nopenapi: 3.1.0\n");
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^is not valid YAML: the key openapi appears twice in one mapping$/,
      line: 3,
      column: 1,
    });
  });

  test("a YAML file with several documents is an error", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yml", `${VALID_YAML}---\n${VALID_YAML}`);
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yml",
      message: /more than one YAML document/,
      line: 11,
      column: 1,
    });
  });

  test("a YAML alias bomb is refused (yaml's maxAliasCount)", { timeout: BOMB_TIMEOUT_MS }, async (t) => {
    const root = await tempRoot(t);
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
    const file = await put(root, "bomb.yaml", lol);
    await rejectsWith(importSpec(file, { root }), {
      file: "bomb.yaml",
      message: new RegExp(`^expands YAML aliases more than ${MAX_YAML_ALIAS_COUNT} times, .*alias bombs`),
    });
  });

  test("a few YAML aliases are fine", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get: &op
      responses:
        "200": {description: OK}
  /b:
    get: *op
    put: *op
`,
    );
    assert.deepEqual(
      (await importSpec(file, { root })).scopes.map((s) => s.name),
      ["get:a", "get:b", "put:b"],
    );
  });

  test("an unresolved YAML alias is an error at the alias", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", "openapi: 3.0.3\npaths:\n  /a: *nothing\n");
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^is not valid YAML: Unresolved alias/,
      line: 3,
      column: 7,
    });
  });

  test("a YAML alias that contains itself is an error", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\nx-loop: &loop\n  again: *loop\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^contains a YAML alias that refers to itself/,
      line: 5,
      column: 10,
    });
  });

  test("nesting deeper than the limit is an error", async (t) => {
    const root = await tempRoot(t);
    const deep = `${"[".repeat(MAX_NESTING_DEPTH + 5)}${"]".repeat(MAX_NESTING_DEPTH + 5)}`;
    const file = await put(
      root,
      "spec.json",
      `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},\n "x-deep": ${deep}}`,
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: new RegExp(`^nests deeper than ${MAX_NESTING_DEPTH} levels$`),
      line: 2,
      column: 12 + MAX_NESTING_DEPTH,
    });
  });
});

describe("nesting within the limit", () => {
  test("a spec nested just under the limit is read and validated", async (t) => {
    const root = await tempRoot(t);
    let schema: Record<string, unknown> = { type: "string" };
    // components → schemas → Deep, then two levels (properties, a) per schema level.
    for (let i = 0; i < (MAX_NESTING_DEPTH - 4) / 2; i++)
      schema = { type: "object", properties: { a: schema } };
    const spec = {
      ...minimalSpec("3.0.3", { "/a": { get: op() } }),
      components: { schemas: { Deep: schema } },
    };
    const file = await put(root, "spec.json", JSON.stringify(spec));
    assert.equal((await importSpec(file, { root })).scopes.length, 1);
  });
});

describe("__proto__ keys", () => {
  test("a __proto__ key anywhere in a JSON spec is refused, at the key", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.json",
      '{\n  "openapi": "3.0.3",\n  "info": {"title": "t", "version": "1"},\n  "paths": {\n    "/a": {\n      "get": {"responses": {"200": {"description": "OK", "__proto__": {"polluted": true}}}}\n    }\n  }\n}\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^has a "__proto__" key, which scopectl refuses \(prototype pollution\)$/,
      line: 6,
      column: 58,
      field: 'paths["/a"].get.responses["200"].__proto__',
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("a __proto__ key anywhere in a YAML spec is refused, at the key", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      responses:\n        "200":\n          description: OK\n          __proto__:\n            polluted: true\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /"__proto__" key/,
      line: 9,
      column: 11,
    });
  });
});

describe("what kind of document it is", () => {
  test('a document without openapi: 3.x or swagger: "2.0" is not OpenAPI', async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", 'info: {title: t, version: "1"}\npaths: {}\n');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message:
        /^is not an OpenAPI 3\.x or Swagger 2\.0 document: it has neither an "openapi" nor a "swagger" field$/,
      line: 1,
      column: 1,
    });
  });

  test("a top level that is not a mapping is not OpenAPI", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", '["openapi", "3.0.3"]');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is not an OpenAPI document: its top level is a list/,
      line: 1,
      column: 1,
    });
  });

  test("an unsupported OpenAPI version names the version and what is supported", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", 'info: {title: t, version: "1"}\nopenapi: 3.2.0\npaths: {}\n');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^declares openapi "3\.2\.0"; supported are OpenAPI 3\.0\.x, 3\.1\.x and Swagger 2\.0$/,
      line: 2,
      column: 10,
      field: "openapi",
    });
  });

  test("openapi written as a number is an error that says to quote it", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.json", '{\n  "openapi": 3.0,\n  "paths": {}\n}');
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^declares openapi as the number 3; it must be a string such as "3\.0\.3" or "3\.1\.0"$/,
      line: 2,
      column: 14,
    });
  });

  test('a Swagger version other than "2.0" is an error', async (t) => {
    const root = await tempRoot(t);
    const old = await put(root, "old.yaml", 'swagger: "1.2"\npaths: {}\n');
    await rejectsWith(importSpec(old, { root }), {
      file: "old.yaml",
      message: /^declares swagger "1\.2"; only Swagger "2\.0" is supported/,
      line: 1,
      column: 10,
    });
    const number = await put(root, "number.yaml", "swagger: 2\npaths: {}\n");
    await rejectsWith(importSpec(number, { root }), {
      file: "number.yaml",
      message: /^declares swagger as the number 2; it must be the string "2\.0"$/,
      line: 1,
      column: 10,
    });
  });

  test("a spec without a paths object is an error", async (t) => {
    const root = await tempRoot(t);
    const missing = await put(
      root,
      "missing.yaml",
      'openapi: 3.1.0\ninfo: {title: t, version: "1"}\nwebhooks: {}\n',
    );
    await rejectsWith(importSpec(missing, { root }), {
      file: "missing.yaml",
      message: /^has no "paths" object, so it defines no operations to make scopes from$/,
      line: 1,
      column: 1,
    });
    const list = await put(
      root,
      "list.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  - /a\n',
    );
    await rejectsWith(importSpec(list, { root }), {
      file: "list.yaml",
      message: /^has "paths" set to a list; it must be a mapping of paths to operations$/,
      line: 4,
      column: 3,
    });
    const empty = await put(root, "null.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n');
    await rejectsWith(importSpec(empty, { root }), {
      file: "null.yaml",
      message: /"paths" set to null/,
      line: 3,
      column: 7,
    });
  });
});

describe("$ref", () => {
  const withRef = (ref: string) =>
    `openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      responses:\n        "200":\n          $ref: "${ref}"\n`;

  test("a $ref to a URL is refused (http, https, file, any scheme, //host), with where it is", async (t) => {
    const root = await tempRoot(t);
    for (const ref of [
      "http://example.com/spec.yaml#/components/responses/Ok",
      "https://example.com/spec.yaml",
      "file:///etc/passwd",
      "ftp://example.com/x.yaml",
      "urn:example:thing",
      "//example.com/spec.yaml",
    ]) {
      const file = await put(root, "spec.yaml", withRef(ref));
      await rejectsWith(importSpec(file, { root }), {
        file: "spec.yaml",
        message: new RegExp(
          `^\\$ref "${ref.replace(/[./:#]/g, "\\$&")}" is a URL; scopectl never fetches \\$refs`,
        ),
        line: 8,
        column: 17,
        field: 'paths["/a"].get.responses["200"].$ref',
      });
    }
  });

  test("a $ref to a file outside the root is refused, with where it is", async (t) => {
    const base = await tempRoot(t);
    const root = path.join(base, "config");
    await put(base, "outside.yaml", "description: OK\n");
    for (const ref of ["../outside.yaml", path.join(base, "outside.yaml"), "sub/../../outside.yaml#/x"]) {
      const file = await put(root, "spec.yaml", withRef(ref));
      await rejectsWith(importSpec(file, { root }), {
        file: "spec.yaml",
        message:
          /^\$ref ".*" points to .*outside\.yaml, outside the root folder .*; \$refs must stay inside it$/,
        line: 8,
        column: 17,
      });
    }
  });

  test("an internal $ref to nothing is an error", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", withRef("#/components/responses/Missing"));
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message:
        /^\$ref "#\/components\/responses\/Missing" points to nothing: this file has no such location$/,
      line: 8,
      column: 17,
    });
  });

  test("a $ref to a file that does not exist is an error at the $ref", async (t) => {
    const root = await tempRoot(t);
    const file = await put(root, "spec.yaml", withRef("./responses/ok.yaml"));
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^\$ref "\.\/responses\/ok\.yaml": the file responses\/ok\.yaml does not exist$/,
      line: 8,
      column: 17,
    });
  });

  test("a $ref into another file at a location that does not exist is an error at the $ref", async (t) => {
    const root = await tempRoot(t);
    await put(root, "responses.yaml", "Ok:\n  description: OK\n");
    const file = await put(root, "spec.yaml", withRef("./responses.yaml#/NotOk"));
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message:
        /^\$ref "\.\/responses\.yaml#\/NotOk": points to nothing: responses\.yaml has no such location$/,
      line: 8,
      column: 17,
    });
  });

  test("a $ref from one referenced file into another, at a location that does not exist, is an error at that $ref", async (t) => {
    const root = await tempRoot(t);
    await put(root, "a.yaml", 'get:\n  responses:\n    "200": {description: OK}\n');
    await put(root, "b.yaml", 'get:\n  responses:\n    "200":\n      $ref: "./a.yaml#/nope"\n');
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    $ref: ./a.yaml\n  /b:\n    $ref: ./b.yaml\n',
    );
    for (let i = 0; i < 3; i++) {
      await rejectsWith(importSpec(file, { root }), {
        file: "b.yaml",
        message: /^\$ref "\.\/a\.yaml#\/nope": points to nothing: a\.yaml has no such location$/,
        line: 4,
        column: 13,
      });
    }
  });

  test("a $ref'd file that links outside the root is refused", async (t) => {
    const base = await tempRoot(t);
    const root = path.join(base, "config");
    const target = await put(base, "outside.yaml", "description: OK\n");
    await mkdir(root);
    await symlink(target, path.join(root, "ok.yaml"));
    const file = await put(root, "spec.yaml", withRef("./ok.yaml"));
    await rejectsWith(importSpec(file, { root }), {
      file: "ok.yaml",
      message: /^the file referenced by \$ref is a link to .*outside\.yaml, outside the root folder/,
    });
  });

  test("a $ref'd file is held to the same rules as the spec: syntax, __proto__, $refs, type", async (t) => {
    const root = await tempRoot(t);
    const cases: Array<[string, string, RegExp, number | undefined, number | undefined]> = [
      ["bad.yaml", "description: OK\n  x: [\n", /^is not valid YAML/, 1, 14],
      ["proto.json", '{"description": "OK",\n "__proto__": {}}', /"__proto__" key/, 2, 2],
      ["remote.yaml", "description: OK\nx-more:\n  $ref: https://example.com/x.yaml\n", /is a URL/, 3, 9],
      [
        "notes.txt",
        "description: OK\n",
        /must be a \.json, \.yaml or \.yml file, not \.txt/,
        undefined,
        undefined,
      ],
    ];
    for (const [name, content, message, line, column] of cases) {
      await put(root, `responses/${name}`, content);
      const file = await put(root, "spec.yaml", withRef(`./responses/${name}`));
      await rejectsWith(importSpec(file, { root }), { file: `responses/${name}`, message, line, column });
    }
  });

  test("the spec and the files its $refs read share the 20 MB limit", async (t) => {
    const root = await tempRoot(t);
    const big = await put(root, "big.yaml", "");
    await truncate(big, MAX_SPEC_BYTES - 100);
    const file = await put(root, "spec.yaml", withRef("./big.yaml"));
    await rejectsWith(importSpec(file, { root }), {
      file: "big.yaml",
      message:
        /^the file referenced by \$ref is 20\.0 MB, over the 20 MB limit for a spec and the files its \$refs read, together$/,
    });
  });

  test("files read at the same time cannot together exceed the 20 MB limit", async (t) => {
    const root = await tempRoot(t);
    for (const name of ["one.yaml", "two.yaml"]) await truncate(await put(root, name, ""), 15 * 1024 * 1024);
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    $ref: ./one.yaml\n  /b:\n    $ref: ./two.yaml\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: /^(one|two)\.yaml$/,
      message:
        /^the file referenced by \$ref is 15\.0 MB, over the 20 MB limit for a spec and the files its \$refs read, together$/,
    });
  });

  test("a path item $ref that points to something other than an object is an error", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    $ref: "#/info/title"\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^the path item \$ref "#\/info\/title" does not point to a path item$/,
      line: 5,
      column: 11,
    });
  });
});

describe("validation against the official schemas", () => {
  test("an OpenAPI 3.0 spec that breaks the schema is an error with each problem's place", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      summary: no responses\n    fetch: {}\n  b:\n    get:\n      responses: {"200": {description: OK}}\n',
    );
    const err = await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message: /^is not a valid OpenAPI 3\.0 document: must have required property 'responses'$/,
      line: 6,
      column: 7,
      field: 'paths["/a"].get',
    });
    const rest = err.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} @ ${d.field}`);
    assert.deepEqual(rest.slice(1), [
      '7:5 is not a valid OpenAPI 3.0 document: unexpected field "fetch" @ paths["/a"].fetch',
      '8:3 is not a valid OpenAPI 3.0 document: unexpected field "b" @ paths.b',
    ]);
  });

  test("a JSON spec with a wrongly typed field is an error at the field", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.json",
      '{\n  "openapi": "3.1.0",\n  "info": {"title": "t", "version": "1"},\n  "paths": {\n    "/a": {"get": {"summary": 42}}\n  }\n}\n',
    );
    await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /^is not a valid OpenAPI 3\.1 document: must be of type string$/,
      line: 5,
      column: 31,
      field: 'paths["/a"].get.summary',
    });
  });

  test("a Swagger 2.0 spec with a bad parameter gets one merged problem, not one per oneOf branch", async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "spec.yaml",
      'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: nowhere, type: string}\n      responses:\n        "200": {description: OK}\n',
    );
    const err = await rejectsWith(importSpec(file, { root }), {
      file: "spec.yaml",
      message:
        /^is not a valid Swagger 2\.0 document: must be one of "body", "header", "formData", "query", "path"$/,
      line: 7,
      column: 25,
      field: 'paths["/a"].get.parameters[0].in',
    });
    assert.equal(err.diagnostics.length, 1);
  });

  test("many problems are cut to ten, and the rest counted", async (t) => {
    const root = await tempRoot(t);
    const paths = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`/p${i}`, { get: {} }]));
    const file = await put(root, "spec.json", JSON.stringify(minimalSpec("3.0.3", paths), null, 2));
    const err = await rejectsWith(importSpec(file, { root }), {
      file: "spec.json",
      message: /must have required property 'responses'/,
      line: 9,
      column: 14,
    });
    assert.equal(err.diagnostics.length, 11);
    assert.equal(err.diagnostics[10]?.message, "and 5 more schema problems");
  });
});
