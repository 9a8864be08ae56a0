/**
 * Issue 18, acceptance 3: the manifest loader's YAML safety holds with the fast path in front. The
 * alias-bomb, duplicate-key and prototype-key texts go through parseManifestText (the loader's entry:
 * the fast path first): the fast path declines each, and the careful parse reports it with today's
 * message and place. bad-input.test.ts checks the same through the whole load; here each is also held
 * to parseCarefully's own answer. And the size limit holds before any parse.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fastLoadAll } from "../../src/core/yaml-fast-load.ts";
import { MAX_MANIFEST_FILE_BYTES } from "../../src/manifest/files.ts";
import { parseCarefully, parseManifestText } from "../../src/manifest/parse.ts";
import { assertOneError, tenant, yaml } from "./helpers.ts";

const origin = { file: "t.yaml", abs: "/nowhere/t.yaml", root: "/nowhere" };

const HEADER = ["apiVersion: scopectl/v1", "kind: Role", "metadata: { name: r }", "spec:"];

/** The diagnostics of parseManifestText, which must be parseCarefully's, after the fast path declined. */
function diagnosticsOf(text: string, reason: string | RegExp) {
  const fast = fastLoadAll(text);
  assert.equal(fast.ok, false, "the fast path accepts");
  if (!fast.ok) assert.match(fast.reason, typeof reason === "string" ? new RegExp(`^${reason}$`) : reason);
  const parsed = parseManifestText(text, origin);
  assert.deepEqual(parsed, parseCarefully(text, origin));
  assert.deepEqual(parsed.documents, []);
  return parsed.diagnostics.map((d) => [d.line, d.column, d.message]);
}

describe("parseManifestText: the fast path declines, the careful parse refuses", { timeout: 60_000 }, () => {
  test("an alias bomb", () => {
    const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [prev, next] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"])
      laughs.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    assert.deepEqual(diagnosticsOf(yaml(...laughs), "an anchor"), [
      [
        2,
        8,
        "YAML aliases in this document expand too much (more than 50 expansions): refusing a possible alias bomb",
      ],
    ]);
  });

  test("an alias without its anchor", () => {
    assert.deepEqual(
      diagnosticsOf(yaml(...HEADER, "  description: *missing"), /^js-yaml: unidentified alias/),
      [
        [
          5,
          16,
          "unknown YAML alias *missing: an alias needs an anchor &missing before it in the same document",
        ],
      ],
    );
  });

  test("duplicate keys, in block and flow maps", () => {
    assert.deepEqual(
      diagnosticsOf(yaml(...HEADER, "  description: a", "  description: b"), /^js-yaml: duplicated/),
      [[6, 3, 'duplicate key "description": a key may appear only once in a map']],
    );
    assert.deepEqual(diagnosticsOf(yaml(...HEADER, "  x: {a: 1, 'a': 2}"), /^js-yaml: duplicated/), [
      [5, 13, 'duplicate key "a": a key may appear only once in a map'],
    ]);
  });

  test("__proto__, constructor and prototype keys, plain, quoted or in a flow map", () => {
    const message = (key: string) =>
      `the key "${key}" is not allowed: it could tamper with JavaScript object prototypes`;
    assert.deepEqual(
      diagnosticsOf(yaml(...HEADER, "  scopes:", "    __proto__: { polluted: true }"), "the key __proto__"),
      [[6, 5, message("__proto__")]],
    );
    assert.deepEqual(diagnosticsOf(yaml(...HEADER, '  "__proto__": 1'), "the key __proto__"), [
      [5, 3, message("__proto__")],
    ]);
    assert.deepEqual(
      diagnosticsOf(yaml(...HEADER, "  x: [{constructor: {prototype: 1}}]"), "the key prototype"),
      [
        [5, 8, message("constructor")],
        [5, 22, message("prototype")],
      ],
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("an unknown tag", () => {
    assert.deepEqual(diagnosticsOf(yaml(...HEADER, "  description: !foo x"), "an explicit tag"), [
      [5, 16, "unsupported YAML tag (!foo): manifests use plain YAML values"],
    ]);
  });
});

describe("the size limit comes before any parse", { timeout: 120_000 }, () => {
  test("a manifest over the limit is refused for its size, not read: its alias bomb is never parsed", async (t) => {
    const bomb = yaml(
      "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    );
    const dir = await tenant(t, { "big.yaml": `${bomb}# ${"x".repeat(MAX_MANIFEST_FILE_BYTES)}\n` });
    await assertOneError(dir, {
      file: "big.yaml",
      message:
        /^the file is 10\.0 MB, over the 10\.0 MB limit for a manifest, and no OpenApiSource's spec reads it/,
    });
  });
});
