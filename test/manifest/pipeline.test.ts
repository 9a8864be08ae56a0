/** The stages of the loader, run one by one: what each hands the next. */
import assert from "node:assert/strict";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import {
  collectDocuments,
  type ManifestDocument,
  readManifestFiles,
  resolveDesiredState,
  validateDocuments,
} from "../../src/manifest/index.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import { ORDERS_API, ORDERS_SPEC, tenant, yaml } from "./helpers.ts";

describe("readManifestFiles", () => {
  test("reads YAML files recursively in sorted order and keeps each document's node tree", async (t) => {
    const dir = await tenant(t, {
      "b.yml": `${ORDERS_API}---\n${yaml("apiVersion: scopectl/v1", "kind: Role", "metadata: { name: r }", "spec: {}")}`,
      "a/z.yaml": yaml("apiVersion: scopectl/v1", "kind: Role", "metadata: { name: z }", "spec: {}"),
      "a/spec.yaml": ORDERS_SPEC,
      "A.yaml": yaml("apiVersion: scopectl/v1", "kind: Role", "metadata: { name: upper }", "spec: {}"),
      ".hidden/x.yaml": "not: [yaml",
      "node_modules/x.yaml": "not: [yaml",
      "notes.txt": "not: [yaml",
    });
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
    assert.equal(read.root, dir);
    assert.deepEqual(
      read.files.map((f) => [f.file, f.role, f.documents.length]),
      [
        ["A.yaml", "manifest", 1],
        ["a/spec.yaml", "spec", 0],
        ["a/z.yaml", "manifest", 1],
        ["b.yml", "manifest", 2],
      ],
    );
    const second = read.files[3]?.documents[1];
    assert.ok(second);
    assert.equal(second.index, 1);
    assert.deepEqual(second.place, {
      file: "b.yml",
      abs: path.join(dir, "b.yml"),
      root: dir,
      line: 14,
      column: 1,
    });
    assert.deepEqual(second.locate(["metadata", "name"]), { ...second.place, line: 16, column: 19 });
    assert.deepEqual(second.locate(["metadata", "name"], "key"), { ...second.place, line: 16, column: 13 });
    // A missing field is placed at its nearest existing ancestor.
    assert.deepEqual(second.locate(["spec", "scopes", "orders"]), { ...second.place, line: 17, column: 7 });
  });

  test("a symlink to a file outside the root is refused", async (t) => {
    const outside = await tenant(t, { "secret.yaml": "apiVersion: scopectl/v1\n" });
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await symlink(path.join(outside, "secret.yaml"), path.join(dir, "linked.yaml"));
    const read = await readManifestFiles(dir);
    assert.deepEqual(
      read.diagnostics.map((d) => d.file),
      ["linked.yaml"],
    );
    assert.match(
      read.diagnostics[0]?.message ?? "",
      /is a link to .*secret\.yaml, outside the manifest folder/,
    );
  });

  test("a folder that does not exist, or a file given as the folder, throws at once", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await assert.rejects(readManifestFiles(path.join(dir, "missing")), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(err.diagnostics, [
        { file: path.join(dir, "missing"), message: "the manifest folder does not exist" },
      ]);
      return true;
    });
    await assert.rejects(readManifestFiles(path.join(dir, "api.yaml")), /this is not a folder of manifests/);
  });

  test("a folder without YAML files is an error, not an empty tenant", async (t) => {
    const dir = await tenant(t, { "README.md": "# nothing\n" });
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, [{ file: dir, message: "the folder has no .yaml or .yml files" }]);
  });
});

describe("the stages after reading", () => {
  test("validation and resolution only see ManifestDocuments: a stage in between may build its own", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    const set = collectDocuments(await readManifestFiles(dir));
    const base = set.manifests[0] as ManifestDocument;
    // What an overlay stage could hand on: a merged document whose `spec.audience` came from another file.
    const patchPlace = {
      file: "overlay/patch.yaml",
      abs: path.join(dir, "overlay/patch.yaml"),
      root: dir,
      line: 3,
      column: 13,
    };
    const merged: ManifestDocument = {
      value: { ...(base.value as object), spec: { ...(base.value as { spec: object }).spec, audience: 42 } },
      place: base.place,
      locate: (p, at) => (p.join(".") === "spec.audience" ? patchPlace : base.locate(p, at)),
    };
    const validated = validateDocuments({ ...set, manifests: [merged] });
    assert.deepEqual(validated.diagnostics, [
      {
        file: "overlay/patch.yaml",
        line: 3,
        column: 13,
        field: "spec.audience",
        message: "must be a string, not the number 42",
      },
    ]);
    // The invalid Api is still known by name to resolution.
    assert.deepEqual(
      validated.invalid.map((d) => [d.kind, d.name]),
      [["Api", "orders"]],
    );
    const { state, diagnostics } = await resolveDesiredState(validated);
    assert.equal(diagnostics.length, 1);
    assert.equal(state.apis.size, 0);
  });
});
