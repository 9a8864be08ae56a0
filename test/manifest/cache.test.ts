/** The content-hash cache of parsed files (src/manifest/cache.ts): reuse only what a parse would give. */
import assert from "node:assert/strict";
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { loadDesiredState, ManifestCache, readManifestFiles } from "../../src/manifest/index.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import { ORDERS_API, tenant, yaml } from "./helpers.ts";

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
    assert.deepEqual(cache.stats, { parsed: 4, reused: 0 });
    const again = await loadDesiredState(dir, { cache });
    assert.deepEqual(cache.stats, { parsed: 4, reused: 4 });
    assert.deepEqual(again, first);
    assert.deepEqual(again, await loadDesiredState(dir));
  });

  test("a change to one file parses that file only, and the state is the fresh load's", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await writeFile(path.join(dir, "roles/b.yaml"), role("b", "changed"));
    const after = await loadDesiredState(dir, { cache });
    assert.deepEqual(cache.stats, { parsed: 5, reused: 3 });
    assert.deepEqual(after, await loadDesiredState(dir));
    assert.equal(after.roles.get("b")?.description, "changed");
  });

  test("the same bytes under another name are parsed again (places name the file)", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await rename(path.join(dir, "roles/c.yaml"), path.join(dir, "roles/d.yaml"));
    const after = await loadDesiredState(dir, { cache });
    assert.deepEqual(cache.stats, { parsed: 5, reused: 3 });
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
    assert.deepEqual(cache.stats, { parsed: 5, reused: 6 });
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
});
