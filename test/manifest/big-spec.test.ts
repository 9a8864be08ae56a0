/**
 * A spec is not a manifest: the 10 MB manifest limit applies to files read as manifests, while a spec an
 * OpenApiSource names (and every file its `$ref`s reach) has the 20 MB limit of the OpenAPI import.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDesiredState, readManifestFiles } from "../../src/manifest/index.ts";
import { looksLikeSpec } from "../../src/manifest/spec-sniff.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { assertOneError, loadErrors, ORDERS_API, tenant, yaml } from "./helpers.ts";

const MB = 1024 * 1024;
const LINE =
  "    Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\n";

/** A literal block scalar of about `bytes` bytes, indented for a top-level key's value. */
function filler(bytes: number): string {
  return LINE.repeat(Math.ceil(bytes / LINE.length));
}

/** A valid OpenAPI 3.0 spec of about `bytes` bytes: one operation, and a long `info.description`. */
function bigSpec(
  bytes: number,
  paths = "  /orders:\n    get:\n      summary: List orders\n      responses: { '200': { description: ok } }\n",
): string {
  return `openapi: 3.0.3\ninfo:\n  title: Big\n  version: 1.0.0\n  description: |\n${filler(bytes).replace(/^ {4}/gm, "    ")}paths:\n${paths}`;
}

const SOURCE = (file: string) =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: OpenApiSource",
    "metadata: { name: orders-spec }",
    "spec:",
    "  api: orders",
    `  file: ${file}`,
  );

describe("specs and manifests have their own size limits", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a 15 MB YAML spec inside the manifest folder is imported, not refused as a manifest", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "source.yaml": SOURCE("specs/orders.yaml"),
      "specs/orders.yaml": bigSpec(15 * MB),
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(state.openApiSources.get("orders-spec")?.scopes, ["get:orders"]);
    assert.ok((state.openApiSources.get("orders-spec")?.file.size ?? 0) > 15 * MB);
  });

  test("the manifest reader leaves a spec to the import: it is read as a spec, without documents", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "specs/small.yaml": bigSpec(1000),
      "specs/big.yaml": bigSpec(12 * MB),
    });
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
    assert.deepEqual(
      read.files.map((f) => [f.file, f.role, f.documents.length]),
      [
        ["api.yaml", "manifest", 1],
        ["specs/big.yaml", "spec", 0],
        ["specs/small.yaml", "spec", 0],
      ],
    );
  });

  test("a file over 10 MB that is pulled in by a spec's $ref is part of the spec, not a manifest", async (t) => {
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
      // A fragment (no openapi key): the manifest reader cannot tell it from a manifest by its head.
      "specs/paths/orders.yaml": `get:\n  summary: List orders\n  description: |\n${filler(11 * MB)}  responses: { '200': { description: ok } }\n`,
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(state.openApiSources.get("orders-spec")?.scopes, ["get:orders"]);
  });

  test("a YAML file over 10 MB that no spec reads is refused by the manifest limit, naming the file", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "huge.yaml": `apiVersion: scopectl/v1\nkind: Role\nmetadata: { name: r }\nspec:\n  description: |\n${filler(11 * MB)}`,
    });
    await assertOneError(dir, {
      file: "huge.yaml",
      message: /^the file is 11\.0 MB, over the 10\.0 MB limit for a manifest/,
    });
  });

  test("a spec over 20 MB is one error, from the import, naming the OpenApiSource", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "source.yaml": SOURCE("specs/orders.yaml"),
      "specs/orders.yaml": bigSpec(21 * MB),
    });
    const diagnostics = await loadErrors(dir);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0]?.file, "specs/orders.yaml");
    assert.match(diagnostics[0]?.message ?? "", /over the 20\.0 MB limit.*OpenApiSource "orders-spec"/);
  });
});

describe("telling a spec by its top-level keys, without parsing", { timeout: SUITE_TIMEOUT_MS }, () => {
  const cases: Array<[string, string, boolean]> = [
    ["openapi first", "openapi: 3.0.3\ninfo: {}\npaths: {}\n", true],
    [
      "swagger after info, comments and a start marker",
      "# spec\n---\ninfo:\n  title: x\nswagger: '2.0'\n",
      true,
    ],
    ["a quoted key and a byte-order mark", '\ufeff"openapi": 3.1.0\n', true],
    ["CRLF line ends", "info: {}\r\nopenapi: 3.0.0\r\n", true],
    ["an indented openapi key is not top-level", "info:\n  openapi: 3.0.0\n", false],
    ["a manifest", "apiVersion: scopectl/v1\nkind: Api\n", false],
    ["a manifest that also has an openapi key is left to the parser", "openapi: x\nkind: Api\n", false],
    ["only a later document has the key", "a: 1\n---\nopenapi: 3.0.0\n", false],
    ["flow style is left to the parser", '{"openapi": "3.0.0", "paths": {}}\n', false],
    ["openapi inside a block scalar", "description: |\n  openapi: 3\n", false],
    ["a key that only starts like openapi", "openapiVersion: 3\n", false],
    // Exactly one document: anything after the first is left to the parser.
    ["manifests after a spec document", "openapi: 3.0.0\n---\napiVersion: scopectl/v1\nkind: User\n", false],
    ["any document after a spec document", "openapi: 3.0.0\npaths: {}\n---\nfoo: 1\n", false],
    ["a document after an end marker", "openapi: 3.0.0\n...\n---\nfoo: 1\n", false],
    ["a trailing start marker with nothing after", "openapi: 3.0.0\npaths: {}\n---\n# end\n", true],
    ["content on a start marker's line", "--- openapi: 3.0.0\n", false],
    // A top-level line that is not a plain key (anchor, tag, complex key, a continued scalar): in doubt.
    ["an anchored key", "openapi: 3.0.0\n&a kind: User\n", false],
    ["a complex key", "openapi: 3.0.0\n? kind\n: User\n", false],
    ["a quoted scalar continued at column 0", 'openapi: 3.0.0\ninfo: "a\nkind: x"\n', false],
  ];
  for (const [label, text, expected] of cases) {
    test(label, () => assert.equal(looksLikeSpec(text), expected));
  }
});
