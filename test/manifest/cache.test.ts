/** The content-hash cache of parsed files (src/manifest/cache.ts): reuse only what a parse would give. */
import assert from "node:assert/strict";
import { rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { loadDesiredState, ManifestCache, readManifestFiles } from "../../src/manifest/index.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import { ORDERS_API, ORDERS_SPEC, tenant, yaml } from "./helpers.ts";

const SOURCE = yaml(
  "apiVersion: scopectl/v1",
  "kind: OpenApiSource",
  "metadata: { name: orders-spec }",
  "spec: { api: orders, file: specs/orders.yaml }",
);

const role = (name: string, description = "a role") =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: Role",
    `metadata: { name: ${name} }`,
    `spec: { description: ${description} }`,
  );

const FILES = {
  "orders.yaml": ORDERS_API,
  "roles/a.yaml": role("a"),
  "roles/b.yaml": role("b"),
  "roles/c.yaml": role("c"),
};

async function errorsOf(load: Promise<unknown>): Promise<unknown> {
  try {
    await load;
  } catch (err) {
    if (err instanceof InputError) return err.diagnostics;
    throw err;
  }
  assert.fail("expected the load to fail");
}

describe("ManifestCache", { timeout: 60_000 }, () => {
  test("a second load of unchanged files parses none and gives the same state", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    const first = await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.parsed, cache.stats.reused], [4, 0]);
    const again = await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.parsed, cache.stats.reused], [4, 4]);
    assert.deepEqual(again, first);
    assert.deepEqual(again, await loadDesiredState(dir));
  });

  test("a change to one file parses that file only, and the state is the fresh load's", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await writeFile(path.join(dir, "roles/b.yaml"), role("b", "changed"));
    const after = await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.parsed, cache.stats.reused], [5, 3]);
    assert.deepEqual(after, await loadDesiredState(dir));
    assert.equal(after.roles.get("b")?.description, "changed");
  });

  test("the same bytes under another name are parsed again (places name the file)", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await rename(path.join(dir, "roles/c.yaml"), path.join(dir, "roles/d.yaml"));
    const after = await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.parsed, cache.stats.reused], [5, 3]);
    assert.deepEqual(after, await loadDesiredState(dir));
    assert.equal(after.roles.get("c")?.source.file, "roles/d.yaml");
  });

  test("a deleted file is forgotten: it is not in the next state, nor kept in the cache", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await rm(path.join(dir, "roles/a.yaml"));
    const after = await loadDesiredState(dir, { cache });
    assert.deepEqual([...after.roles.keys()], ["b", "c"]);
    // Written back with the same bytes: parsed again, since the sweep dropped it.
    await writeFile(path.join(dir, "roles/a.yaml"), role("a"));
    await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.parsed, cache.stats.reused], [5, 6]);
  });

  test("errors are the same from a reused file, positions included", async (t) => {
    const dir = await tenant(t, {
      ...FILES,
      "roles/bad.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Role",
        "metadata: { name: bad }",
        "spec: { colour: red }",
      ),
    });
    const cache = new ManifestCache();
    const fresh = await errorsOf(loadDesiredState(dir));
    assert.deepEqual(await errorsOf(loadDesiredState(dir, { cache })), fresh);
    assert.deepEqual(await errorsOf(loadDesiredState(dir, { cache })), fresh);
    assert.equal(cache.stats.reused, 5);
  });

  test("cached documents are frozen: no stage can change what the next load sees", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    const read = await readManifestFiles(dir, { cache });
    const doc = read.files.find((f) => f.file === "roles/a.yaml")?.documents[0];
    assert.ok(doc);
    assert.ok(Object.isFrozen(doc.value));
    assert.throws(() => {
      (doc.value as { spec: { description: string } }).spec.description = "tampered";
    }, TypeError);
  });

  test("an OpenAPI import is reused while its spec is the same file with the same bytes", async (t) => {
    const dir = await tenant(t, { ...FILES, "source.yaml": SOURCE, "specs/orders.yaml": ORDERS_SPEC });
    const cache = new ManifestCache();
    const first = await loadDesiredState(dir, { cache });
    const again = await loadDesiredState(dir, { cache });
    assert.equal(cache.stats.imported, 1);
    assert.equal(cache.stats.importsReused, 1);
    assert.deepEqual(again, first);
    assert.deepEqual(again, await loadDesiredState(dir));

    // A changed spec is imported again, and the state follows it.
    await writeFile(
      path.join(dir, "specs/orders.yaml"),
      ORDERS_SPEC.replace("    delete:\n      responses: { '204': { description: gone } }\n", ""),
    );
    const changed = await loadDesiredState(dir, { cache });
    assert.equal(cache.stats.imported, 2);
    assert.deepEqual(changed, await loadDesiredState(dir));
    assert.notDeepEqual(changed.apis.get("orders")?.scopes, first.apis.get("orders")?.scopes);
  });

  test("a spec behind a symlink turned to another file is imported again, even with the same bytes", async (t) => {
    const dir = await tenant(t, {
      ...FILES,
      "source.yaml": SOURCE,
      "specs/a.yaml": ORDERS_SPEC,
      "specs/b.yaml": ORDERS_SPEC,
    });
    await symlink("a.yaml", path.join(dir, "specs/orders.yaml"));
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await rm(path.join(dir, "specs/orders.yaml"));
    await symlink("b.yaml", path.join(dir, "specs/orders.yaml"));
    await loadDesiredState(dir, { cache });
    assert.deepEqual([cache.stats.imported, cache.stats.importsReused], [2, 0]);
  });

  test("a failed import is not kept: the next load imports again and fails the same way", async (t) => {
    const dir = await tenant(t, {
      ...FILES,
      "source.yaml": SOURCE,
      "specs/orders.yaml": "openapi: 3.0.3\ninfo: { title: x, version: '1' }\n",
    });
    const cache = new ManifestCache();
    const fresh = await errorsOf(loadDesiredState(dir));
    assert.deepEqual(await errorsOf(loadDesiredState(dir, { cache })), fresh);
    assert.deepEqual(await errorsOf(loadDesiredState(dir, { cache })), fresh);
    assert.deepEqual([cache.stats.imported, cache.stats.importsReused], [2, 0]);
  });

  test("schema checks of unchanged documents are kept, and an invalid document's errors come back the same", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await writeFile(
      path.join(dir, "roles/b.yaml"),
      yaml("apiVersion: scopectl/v1", "kind: Role", "metadata: { name: b }", "spec: { colour: red }"),
    );
    const fresh = await errorsOf(loadDesiredState(dir));
    assert.deepEqual(await errorsOf(loadDesiredState(dir, { cache })), fresh);
    await writeFile(path.join(dir, "roles/b.yaml"), role("b"));
    assert.deepEqual(await loadDesiredState(dir, { cache }), await loadDesiredState(dir));
  });
});
