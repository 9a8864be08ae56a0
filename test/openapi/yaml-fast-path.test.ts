/**
 * The YAML fast path on the import (src/openapi/source.ts over core/yaml-fast-load.ts): a clean spec is
 * read by js-yaml to exactly the value the careful `yaml` parse gives, and whatever the fast path declines
 * (aliases, duplicate keys, `__proto__` keys, tags, several documents) is read carefully, with the
 * messages and positions the import always gave.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { fastLoadAll } from "../../src/core/yaml-fast-load.ts";
import { importSpec, MAX_YAML_ALIAS_COUNT } from "../../src/openapi/index.ts";
import { parseSource } from "../../src/openapi/source.ts";
import { BOMB_TIMEOUT_MS } from "../support/timeouts.ts";
import { FIXTURES, put, rejectsWith, tempRoot } from "./helpers.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** What the import read YAML as before the fast path, and still reads a declined file as. */
function carefulValue(text: string): unknown {
  return parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
}

function parsed(text: string, rel = "spec.yaml"): unknown {
  return parseSource({ abs: undefined, rel, format: "yaml", bytes: Buffer.from(text) }, text).value;
}

const HEAD = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200": {description: OK}
`;

/** Clean YAML of every kind of scalar and collection a spec holds, which the fast path must take. */
const CLEAN = `${HEAD}x-scalars:
  plain: a plain string
  folded: >
    folded
    text
  literal: |
    line one
      indented
  kept: |+
    kept

  stripped: >-
    stripped
  quoted: ["double \\u263A \\x41", 'single ''quoted''', "multi
    line"]
  flowNumbers: [0, -3, 1.5, 200]
  numbers:
${["0", "-3", "1.5", "1e3", ".5", "+12", "0o17", "0x1F", ".inf", "-.Inf", ".nan", "12345678901234567890"].map((n) => `    - ${n}`).join("\n")}
  words: [true, false, yes, no, on, 2001-12-14, =]
  nulls:
    - null
    - ~
    -
  empty:
  keys: {200: a, 1.5: b, true: c, x-y: d, "quoted key": e, "a: b": f}
  nested:
    a: {b: 1, c: x}
    c: [{d: 2}]
    e: []
`;

describe("a clean YAML spec goes through the fast path", () => {
  const files = [
    path.join(FIXTURES, "petstore-2.0.yaml"),
    path.join(FIXTURES, "petstore-3.0.yaml"),
    path.join(FIXTURES, "petstore-3.1.yaml"),
    path.join(FIXTURES, "split/openapi.yaml"),
    path.join(FIXTURES, "split/paths/users.yaml"),
    path.join(REPO, "config/specs/catalog.openapi.yaml"),
  ];
  for (const file of files) {
    test(`${path.relative(REPO, file)}: read fast, to exactly the careful parse's value`, async () => {
      const text = await readFile(file, "utf8");
      const fast = fastLoadAll(text);
      assert.ok(fast.ok, fast.ok ? "" : fast.reason);
      assert.equal(fast.documents.length, 1);
      const value = parsed(text);
      assert.deepStrictEqual(value, fast.documents[0]);
      assert.deepStrictEqual(value, carefulValue(text));
    });
  }

  test("every kind of scalar and collection reads as the careful parse reads it", () => {
    const fast = fastLoadAll(CLEAN);
    assert.ok(fast.ok, fast.ok ? "" : fast.reason);
    assert.deepStrictEqual(parsed(CLEAN), carefulValue(CLEAN));
  });

  test("nested flow collections and flow sequences of nulls or numbers go fast too", () => {
    for (const text of [
      `${HEAD}x-a: {b: {c: d}}\n`,
      `${HEAD}x-a: {b: [c, d]}\n`,
      `${HEAD}x-a: [null, 1.0, 1e3]\n`,
    ]) {
      const fast = fastLoadAll(text);
      assert.ok(fast.ok, fast.ok ? "" : `${fast.reason}: ${text.slice(HEAD.length)}`);
    }
  });

  test("a clean spec imports as its JSON twin does", async (t) => {
    const root = await tempRoot(t);
    const yamlFile = await put(root, "spec.yaml", CLEAN);
    const jsonFile = await put(root, "spec.json", JSON.stringify(carefulValue(CLEAN)));
    const fromYaml = await importSpec(yamlFile, { root });
    const fromJson = await importSpec(jsonFile, { root });
    assert.deepEqual(fromYaml.scopes, fromJson.scopes);
    assert.deepEqual(fromYaml.log, fromJson.log);
  });

  test("an error in a spec read fast still names its line and column (the careful parse, on demand)", async (t) => {
    const root = await tempRoot(t);
    const text = `${HEAD}  /b:\n    get:\n      responses:\n        "200": {descriptio: OK}\n`;
    assert.ok(fastLoadAll(text).ok);
    await rejectsWith(importSpec(await put(root, "spec.yaml", text), { root }), {
      file: "spec.yaml",
      message: /^is not a valid OpenAPI 3\.0 document: must have required property 'description'$/,
      line: 11,
      column: 16,
      field: 'paths["/b"].get.responses["200"]',
    });
  });
});

describe("what the fast path declines is read carefully, with today's messages and positions", () => {
  test("an alias bomb", { timeout: BOMB_TIMEOUT_MS }, async (t) => {
    const root = await tempRoot(t);
    // x-a holds 9 strings, x-b 9 aliases of x-a, ... x-i 9^9 strings once expanded.
    const rows = ['x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    const names = "abcdefghi";
    for (let i = 1; i < names.length; i++) {
      rows.push(
        `x-${names[i]}: &${names[i]} [${Array(9)
          .fill(`*${names[i - 1]}`)
          .join(", ")}]`,
      );
    }
    const text = `${HEAD}${rows.join("\n")}\n`;
    assert.equal(fastLoadAll(text).ok, false);
    await rejectsWith(importSpec(await put(root, "bomb.yaml", text), { root }), {
      file: "bomb.yaml",
      message: new RegExp(`^expands YAML aliases more than ${MAX_YAML_ALIAS_COUNT} times, .*alias bombs`),
    });
  });

  test("a duplicate key, in a block and in a flow mapping", async (t) => {
    const root = await tempRoot(t);
    const block = `${HEAD}x-a:\n  b: 1\n  c: 2\n  b: 3\n`;
    const flow = `${HEAD}x-a: {b: 1, b: 2}\n`;
    for (const text of [block, flow]) assert.equal(fastLoadAll(text).ok, false);
    await rejectsWith(importSpec(await put(root, "block.yaml", block), { root }), {
      file: "block.yaml",
      message: /^is not valid YAML: the key b appears twice in one mapping$/,
      line: 11,
      column: 3,
    });
    await rejectsWith(importSpec(await put(root, "flow.yaml", flow), { root }), {
      file: "flow.yaml",
      message: /^is not valid YAML: the key b appears twice in one mapping$/,
      line: 8,
      column: 13,
    });
  });

  test("a __proto__ key, plain, quoted or in a flow mapping, reaches no prototype", async (t) => {
    const root = await tempRoot(t);
    const cases = [
      { name: "plain.yaml", text: `${HEAD}x-a:\n  __proto__: {polluted: true}\n`, line: 9, column: 3 },
      { name: "quoted.yaml", text: `${HEAD}x-a:\n  "__proto__": {polluted: true}\n`, line: 9, column: 3 },
      { name: "flow.yaml", text: `${HEAD}x-a: {__proto__: {polluted: true}}\n`, line: 8, column: 7 },
    ];
    for (const { name, text, line, column } of cases) {
      assert.equal(fastLoadAll(text).ok, false, name);
      await rejectsWith(importSpec(await put(root, name, text), { root }), {
        file: name,
        message: /^has a "__proto__" key, which scopectl refuses \(prototype pollution\)$/,
        line,
        column,
        field: '["x-a"].__proto__',
      });
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("an unknown tag is read as the careful parse always read it (its value, untagged)", async (t) => {
    const root = await tempRoot(t);
    const text = `${HEAD}x-a: !foo bar\nx-b: !foo {c: 1}\n`;
    assert.equal(fastLoadAll(text).ok, false);
    assert.deepStrictEqual(parsed(text), carefulValue(text));
    assert.deepEqual((parsed(text) as Record<string, unknown>)["x-a"], "bar");
    const imported = await importSpec(await put(root, "spec.yaml", text), { root });
    assert.deepEqual(
      imported.scopes.map((s) => s.name),
      ["get:a"],
    );
  });

  test("several documents, even when the second is empty", async (t) => {
    const root = await tempRoot(t);
    for (const [name, text] of [
      ["two.yaml", `${HEAD}---\n${HEAD}`],
      ["empty-second.yaml", `${HEAD}---\n`],
    ] as const) {
      await rejectsWith(importSpec(await put(root, name, text), { root }), {
        file: name,
        message: /^is not valid YAML: it holds more than one YAML document; a spec is one document$/,
        line: 8,
        column: 1,
      });
    }
  });

  test("a document of only comments", async (t) => {
    const root = await tempRoot(t);
    await rejectsWith(importSpec(await put(root, "spec.yaml", "# nothing here\n"), { root }), {
      file: "spec.yaml",
      message: /^is not an OpenAPI document: its top level is null, /,
      line: 1,
      column: 1,
    });
  });

  test("an implicit key longer than 1024 characters is a YAML error", async (t) => {
    const root = await tempRoot(t);
    const text = `${HEAD}x-${"k".repeat(1100)}: 1\n`;
    await rejectsWith(importSpec(await put(root, "spec.yaml", text), { root }), {
      file: "spec.yaml",
      message:
        /^is not valid YAML: The : indicator must be at most 1024 chars after the start of an implicit block mapping key$/,
      line: 8,
      column: 1,
    });
  });
});
