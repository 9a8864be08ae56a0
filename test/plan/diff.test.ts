/** diffProps: field-level diffs, output-only fields ignored, secrets masked. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApiKeyProps, ApplicationProps, RoleProps } from "../../src/model/resources.ts";
import { diffProps } from "../../src/plan/diff.ts";

const APP: ApplicationProps = {
  type: "m2m",
  clientId: "exporter",
  secret: { kind: "env", env: "EXPORTER_SECRET", sha256: "a".repeat(64) },
  redirectUris: [],
  apis: { orders: { all: false, scopes: ["read:orders", "write:orders"] } },
  tokens: { lifetimeSeconds: 900, includeApiScopesInPermissions: false },
};

describe("diffProps", () => {
  test("nested fields by dotted path; string lists as added/removed", () => {
    const before: RoleProps = {
      displayName: "Admin",
      description: "",
      scopes: { orders: ["a", "b"], catalog: ["x"] },
    };
    const after: RoleProps = { displayName: "Admins", description: "", scopes: { orders: ["b", "c"] } };
    assert.deepEqual(diffProps("Role", before, after), [
      { path: "displayName", before: "Admin", after: "Admins" },
      { path: "scopes.catalog", removed: ["x"] },
      { path: "scopes.orders", added: ["c"], removed: ["a"] },
    ]);
  });

  test("equal props give no diff; a create diffs from nothing", () => {
    assert.deepEqual(diffProps("Application", APP, structuredClone(APP)), []);
    const created = diffProps("Role", undefined, {
      displayName: "R",
      description: "d",
      scopes: { orders: ["a"] },
    });
    assert.deepEqual(created, [
      { path: "description", after: "d" },
      { path: "displayName", after: "R" },
      { path: "scopes.orders", added: ["a"] },
    ]);
  });

  test("a list that only changes order shows both lists", () => {
    const before: ApiKeyProps = { api: "orders", scopes: ["a", "b"] };
    const after: ApiKeyProps = { api: "orders", scopes: ["b", "a"] };
    assert.deepEqual(diffProps("ApiKey", before, after), [
      { path: "scopes", before: ["a", "b"], after: ["b", "a"] },
    ]);
  });

  test("output-only fields are not changes: a generated secret's hash, an API key's prefix and hash", () => {
    const stored: ApplicationProps = { ...APP, secret: { kind: "generated", sha256: "b".repeat(64) } };
    const desired: ApplicationProps = { ...APP, secret: { kind: "generated" } };
    assert.deepEqual(diffProps("Application", stored, desired), []);
    const key: ApiKeyProps = { api: "orders", scopes: ["a"], prefix: "sck_12345678", sha256: "c".repeat(64) };
    assert.deepEqual(diffProps("ApiKey", key, { api: "orders", scopes: ["a"] }), []);
  });

  test("an env secret whose value changed says 'changed', never the hash", () => {
    const after: ApplicationProps = {
      ...APP,
      secret: { kind: "env", env: "EXPORTER_SECRET", sha256: "d".repeat(64) },
    };
    const diff = diffProps("Application", APP, after);
    assert.deepEqual(diff, [
      {
        path: "secret",
        before: "(sensitive) from env EXPORTER_SECRET",
        after: "(sensitive) from env EXPORTER_SECRET",
        sensitive: true,
        note: "changed",
      },
    ]);
    assert.doesNotMatch(JSON.stringify(diff), /aaaa|dddd/);
  });

  test("a secret changing kind is masked on both sides", () => {
    const after: ApplicationProps = { ...APP, secret: { kind: "generated" } };
    const diff = diffProps("Application", APP, after);
    assert.deepEqual(diff, [
      {
        path: "secret",
        before: "(sensitive) from env EXPORTER_SECRET",
        after: "(sensitive) generated on create",
        sensitive: true,
      },
    ]);
    const deleted = diffProps("Application", APP, undefined);
    assert.ok(deleted.some((d) => d.path === "secret" && d.sensitive));
    assert.doesNotMatch(JSON.stringify(deleted), /aaaa/);
  });

  test("an API key hash present on both sides is masked", () => {
    const diff = diffProps(
      "ApiKey",
      { api: "orders", scopes: ["a"], sha256: "e".repeat(64) },
      { api: "orders", scopes: ["a"], sha256: "f".repeat(64) },
    );
    assert.deepEqual(diff, [
      { path: "sha256", before: "(sensitive)", after: "(sensitive)", sensitive: true },
    ]);
  });

  test("fields that force a replacement are marked", () => {
    const after: ApplicationProps = {
      ...APP,
      clientId: "exporter-2",
      tokens: { ...APP.tokens, lifetimeSeconds: 60 },
    };
    const diff = diffProps("Application", APP, after, { forcesReplacement: new Set(["clientId"]) });
    assert.deepEqual(diff, [
      { path: "clientId", before: "exporter", after: "exporter-2", forcesReplacement: true },
      { path: "tokens.lifetimeSeconds", before: 900, after: 60 },
    ]);
  });
});
