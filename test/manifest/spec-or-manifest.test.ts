/**
 * Which YAML files of the manifest folder are OpenAPI specs (left to the import) and which are
 * manifests. A file is a spec only if it holds exactly one YAML document, which has a top-level
 * `openapi` or `swagger` key and neither `apiVersion` nor `kind`; anything else is parsed as manifests,
 * so a stray key or a spec glued before manifests is an error naming the file, never a silent skip
 * (which would make a plan delete what the file declares).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { parseManifestText } from "../../src/manifest/parse.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { assertOneError, ORDERS_API, tenant, yaml } from "./helpers.ts";

const USER = (name: string) =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: User",
    `metadata: { name: ${name} }`,
    "spec:",
    `  email: ${name}@example.com`,
  );

describe("a manifest file with an openapi or swagger key", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a stray top-level openapi key beside apiVersion and kind is an error at that key", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "users.yaml": [
        yaml(
          "apiVersion: scopectl/v1",
          "kind: User",
          "metadata: { name: dave }",
          'openapi: "3.0.0"',
          "spec:",
          "  email: dave@example.com",
        ),
        USER("erin"),
      ].join("---\n"),
    });
    const d = await assertOneError(dir, { file: "users.yaml", message: /openapi/ });
    assert.equal(d.line, 4, JSON.stringify(d));
  });

  for (const [label, head] of [
    ["openapi", 'openapi: "3.0.0"\n'],
    ["swagger, after a start marker and a comment", '# old spec\n---\nswagger: "2.0"\n'],
  ] as const) {
    test(`a first document with only ${label}, then manifests: the manifests load, the first document is an error`, async (t) => {
      const dir = await tenant(t, {
        "api.yaml": ORDERS_API,
        "users.yaml": `${head}---\n${USER("dave")}---\n${USER("erin")}`,
      });
      await assertOneError(dir, { file: "users.yaml", message: /^this document has no apiVersion and kind/ });
    });
  }

  test("the same users without the stray document load", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "users.yaml": `${USER("dave")}---\n${USER("erin")}`,
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual([...state.users.keys()].sort(), ["dave", "erin"]);
  });
});

describe("parseManifestText's exact rule", { timeout: SUITE_TIMEOUT_MS }, () => {
  const origin = { file: "x.yaml", abs: "/tmp/x.yaml", root: "/tmp" };
  const cases: Array<[string, string, "spec" | "manifest"]> = [
    ["one block document with openapi", "openapi: 3.0.3\ninfo: {}\npaths: {}\n", "spec"],
    ["one flow (JSON) document with swagger", '{"swagger": "2.0", "paths": {}}\n', "spec"],
    ["a trailing empty document does not count", "openapi: 3.0.3\npaths: {}\n---\n", "spec"],
    ["openapi beside kind", "openapi: 3.0.3\nkind: Api\n", "manifest"],
    ["swagger beside apiVersion (JSON)", '{"swagger": "2.0", "apiVersion": "scopectl/v1"}\n', "manifest"],
    ["a spec document, then another", "openapi: 3.0.3\n---\na: 1\n", "manifest"],
    ["a document, then a spec", "a: 1\n---\nopenapi: 3.0.3\n", "manifest"],
  ];
  for (const [label, text, role] of cases) {
    test(label, () => assert.equal(parseManifestText(text, origin).role, role));
  }
});
