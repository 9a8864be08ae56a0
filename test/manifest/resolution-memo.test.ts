/**
 * Users and Roles resolved once per document (src/manifest/resolve/memo.ts), through a ManifestCache:
 * a re-load reuses what its documents and the names they refer to leave unchanged, and gives exactly
 * what a fresh load gives, errors included, whenever a change elsewhere changes what a reference means.
 */
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { loadDesiredState, ManifestCache } from "../../src/manifest/index.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import { ORDERS_API, tenant, yaml } from "./helpers.ts";

const role = (name: string, scopes = "[read:orders]") =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: Role",
    `metadata: { name: ${name} }`,
    `spec: { scopes: { orders: ${scopes} } }`,
  );

const user = (name: string, roles: string, extra = "{}") =>
  yaml(
    "apiVersion: scopectl/v1",
    "kind: User",
    `metadata: { name: ${name} }`,
    `spec: { email: ${name}@example.com, roles: ${roles}, additionalScopes: ${extra} }`,
  );

const FILES = {
  "orders.yaml": ORDERS_API,
  "roles.yaml": [role("reader"), role("writer", "[write:orders]")].join("---\n"),
  "users/ann.yaml": user("ann", "[reader]"),
  "users/ben.yaml": user("ben", "[writer]", "{ orders: [read:orders] }"),
  "users/cy.yaml": user("cy", "[reader, writer]"),
};

async function messagesOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (err) {
    if (err instanceof InputError) return err.diagnostics.map((d) => `${d.file}: ${d.message}`);
    throw err;
  }
  assert.fail("expected the load to fail");
}

describe("resolutions kept by document", { timeout: 60_000 }, () => {
  test("an edit to one user resolves that user again, and the state is the fresh load's", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    const first = await loadDesiredState(dir, { cache });
    assert.deepEqual(cache.resolutions.stats, { resolved: 5, reused: 0 });

    await writeFile(path.join(dir, "users/ben.yaml"), user("ben", "[reader]"));
    const edited = await loadDesiredState(dir, { cache });
    assert.deepEqual(cache.resolutions.stats, { resolved: 6, reused: 4 });
    assert.deepEqual(edited, await loadDesiredState(dir));
    assert.deepEqual(edited.users.get("ben")?.roles, ["reader"]);
    // What was reused is the very object of the first load, frozen since it is shared.
    assert.equal(edited.users.get("ann"), first.users.get("ann"));
    assert.ok(Object.isFrozen(edited.users.get("ann")?.roles));
  });

  test("a role removed elsewhere is an unknown role at every user naming it, as in a fresh load", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await writeFile(path.join(dir, "roles.yaml"), role("reader"));
    const errors = await messagesOf(loadDesiredState(dir, { cache }));
    assert.deepEqual(errors, await messagesOf(loadDesiredState(dir)));
    assert.deepEqual(
      errors.filter((m) => m.includes('unknown Role "writer"')).map((m) => m.split(":")[0]),
      ["users/ben.yaml", "users/cy.yaml"],
    );
  });

  test("a scope removed from the Api is reported at the user granted it, as in a fresh load", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    // The Api without read:orders: every reference to it is an error now, the users' and the role's.
    await writeFile(path.join(dir, "orders.yaml"), ORDERS_API.replace(/ {4}- name: read:orders\n.*\n/, ""));
    const errors = await messagesOf(loadDesiredState(dir, { cache }));
    assert.deepEqual(errors, await messagesOf(loadDesiredState(dir)));
    assert.ok(
      errors.some((m) => m.startsWith("users/ben.yaml") && m.includes('unknown scope "read:orders"')),
    );
    assert.ok(errors.some((m) => m.startsWith("roles.yaml") && m.includes('unknown scope "read:orders"')));
  });

  test("a user whose resolution reported an error is resolved again, and reported again", async (t) => {
    const dir = await tenant(t, { ...FILES, "users/dee.yaml": user("dee", "[reviewer]") });
    const cache = new ManifestCache();
    const first = await messagesOf(loadDesiredState(dir, { cache }));
    const second = await messagesOf(loadDesiredState(dir, { cache }));
    assert.deepEqual(second, first);
    assert.ok(first.some((m) => m.startsWith("users/dee.yaml") && m.includes('unknown Role "reviewer"')));
    // The other four users and the two roles are reused; dee is resolved both times.
    assert.deepEqual(cache.resolutions.stats, { resolved: 7, reused: 5 });

    await rm(path.join(dir, "users/dee.yaml"));
    assert.deepEqual(await loadDesiredState(dir, { cache }), await loadDesiredState(dir));
  });

  test("a grant of a scope only an upload may have made is noted on every load, for the plan to check", async (t) => {
    const upload = yaml(
      "apiVersion: scopectl/v1",
      "kind: OpenApiSource",
      "metadata: { name: orders-uploads }",
      "spec: { api: orders, upload: true }",
    );
    const dir = await tenant(t, {
      ...FILES,
      "uploads.yaml": upload,
      "users/dee.yaml": user("dee", "[reader]", "{ orders: [get:order] }"),
    });
    const cache = new ManifestCache();
    for (let load = 1; load <= 2; load++) {
      const state = await loadDesiredState(dir, { cache });
      assert.deepEqual(
        state.uploadedScopeReferences.map((r) => `${r.api} ${r.scope} ${r.at.file}`),
        ["orders get:order users/dee.yaml"],
        `load ${load}`,
      );
    }
  });

  test("two users with one email are refused on every load, however each was resolved", async (t) => {
    const dir = await tenant(t, FILES);
    const cache = new ManifestCache();
    await loadDesiredState(dir, { cache });
    await writeFile(
      path.join(dir, "users/cy.yaml"),
      user("cy", "[reader]").replace("cy@example.com", "Ann@example.com"),
    );
    const errors = await messagesOf(loadDesiredState(dir, { cache }));
    assert.deepEqual(errors, await messagesOf(loadDesiredState(dir)));
    assert.ok(errors.some((m) => m.includes('is already used by User "ann"')));
  });
});
