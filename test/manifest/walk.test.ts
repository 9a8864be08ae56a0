/**
 * The file walk of the manifest folder never skips what could hold manifests without a word: a folder
 * link that leaves the folder, a broken link, a link loop and a special file are errors naming the link;
 * links that stay inside are followed, and every real file and folder is read once.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { readYamlFile } from "../../src/manifest/files.ts";
import { loadDesiredState, readManifestFiles } from "../../src/manifest/index.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { loadErrors, ORDERS_API, tenant, yaml } from "./helpers.ts";

const ROLE = yaml(
  "apiVersion: scopectl/v1",
  "kind: Role",
  "metadata: { name: reader }",
  "spec:",
  "  scopes: { orders: [read:orders] }",
);

describe("symlinks in the manifest folder", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a folder link that points outside the folder is an error naming the link", async (t) => {
    const outside = await tenant(t, { "roles.yaml": ROLE });
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await symlink(outside, path.join(dir, "shared"), "dir");
    const diagnostics = await loadErrors(dir);
    assert.deepEqual(
      diagnostics.map((d) => d.file),
      ["shared"],
    );
    assert.match(
      diagnostics[0]?.message ?? "",
      /^the folder is a link to .+, outside the manifest folder; manifests must stay inside it/,
    );
  });

  test("a folder link deeper down that points outside is refused too", async (t) => {
    const outside = await tenant(t, { "roles.yaml": ROLE });
    const dir = await tenant(t, { "api.yaml": ORDERS_API, "teams/a/readme.txt": "x" });
    await symlink(outside, path.join(dir, "teams/a/roles"), "dir");
    const read = await readManifestFiles(dir);
    assert.deepEqual(
      read.diagnostics.map((d) => d.file),
      ["teams/a/roles"],
    );
  });

  test("a folder link inside the folder is followed, and a folder reached twice is read once", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API, "roles/reader.yaml": ROLE });
    // `also` and `roles` are the same folder: its Role must not be declared twice.
    await symlink(path.join(dir, "roles"), path.join(dir, "also"), "dir");
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
    assert.deepEqual(
      read.files.map((f) => f.file),
      ["api.yaml", "roles/reader.yaml"],
    );
    const state = await loadDesiredState(dir);
    assert.ok(state.roles.has("reader"));
  });

  test("a folder link inside the folder to a folder the walk skips (hidden) is followed", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API, ".shared/reader.yaml": ROLE });
    await symlink(path.join(dir, ".shared"), path.join(dir, "shared"), "dir");
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
    assert.deepEqual(
      read.files.map((f) => f.file),
      ["api.yaml", "shared/reader.yaml"],
    );
  });

  test("a file link inside the folder to a file that is read anyway is read once", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API, "roles.yaml": ROLE });
    await symlink(path.join(dir, "roles.yaml"), path.join(dir, "roles-link.yaml"));
    const state = await loadDesiredState(dir);
    assert.ok(state.roles.has("reader"));
  });

  test("a link to an ancestor folder ends (each real folder is walked once)", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API, "sub/roles.yaml": ROLE });
    await symlink(dir, path.join(dir, "sub/up"), "dir");
    await symlink(path.join(dir, "sub"), path.join(dir, "sub/self"), "dir");
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
    assert.deepEqual(
      read.files.map((f) => f.file),
      ["api.yaml", "sub/roles.yaml"],
    );
  });

  test("a link loop is an error naming the link", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await symlink(path.join(dir, "b"), path.join(dir, "a"));
    await symlink(path.join(dir, "a"), path.join(dir, "b"));
    const read = await readManifestFiles(dir);
    assert.deepEqual(
      read.diagnostics.map((d) => [d.file, d.message]),
      [
        ["a", "the link is a symlink loop: it never reaches a file or a folder"],
        ["b", "the link is a symlink loop: it never reaches a file or a folder"],
      ],
    );
  });

  test("a broken link that may have been a folder is an error, as for a YAML file", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await symlink(path.join(dir, "gone"), path.join(dir, "shared"), "dir");
    await symlink(path.join(dir, "gone.yaml"), path.join(dir, "roles.yaml"));
    // A broken link to something that is neither YAML nor a folder cannot hide manifests.
    await symlink(path.join(dir, "gone.md"), path.join(dir, "NOTES.md"));
    const read = await readManifestFiles(dir);
    assert.deepEqual(
      read.diagnostics.map((d) => [d.file, d.message]),
      [
        ["roles.yaml", "the file is a broken symlink"],
        ["shared", "the link is broken: its target does not exist, so whatever it held is not read"],
      ],
    );
  });

  test("a YAML name that is not a regular file (a FIFO) is an error, not skipped", {
    skip: process.platform === "win32",
  }, async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    execFileSync("mkfifo", [path.join(dir, "roles.yaml")]);
    const read = await readManifestFiles(dir);
    assert.deepEqual(
      read.diagnostics.map((d) => [d.file, d.message]),
      [
        [
          "roles.yaml",
          "the file is not a regular file (a FIFO, socket or device); manifests are plain files",
        ],
      ],
    );
  });

  test("a folder named like a YAML file is walked as a folder", async (t) => {
    const dir = await tenant(t, { "api.yaml": ORDERS_API });
    await mkdir(path.join(dir, "more.yaml"));
    const read = await readManifestFiles(dir);
    assert.deepEqual(read.diagnostics, []);
  });
});

test("a file that cannot be opened (gone since the walk, or no permission) is reported, not a crash", {
  timeout: 10_000,
}, async (t) => {
  const dir = await tenant(t, { "api.yaml": ORDERS_API });
  assert.deepEqual(await readYamlFile(path.join(dir, "gone.yaml")), {
    kind: "refused",
    message: "the file cannot be read (ENOENT)",
  });
});
