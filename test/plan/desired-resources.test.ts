/** desiredResources: the manifests' view turned into the store's flat resources. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { InputError } from "../../src/model/diagnostics.ts";
import type { Resource } from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { APPS, catalogFiles, ENV, load, loadResources, spec, TENANT } from "./helpers.ts";

const find = (resources: Resource[], kind: Resource["kind"], id: string) =>
  resources.find((r) => r.kind === kind && r.id === id);

describe("desiredResources", () => {
  test("one resource per entity, with the ids the store keys them by, parents first", async (t) => {
    const { desired } = await loadResources(t, {
      ...TENANT,
      ...catalogFiles(spec("GET /products", "GET /health"), ["get:health"]),
    });
    assert.deepEqual(
      desired.map((r) => `${r.kind} ${r.id}`),
      [
        "Settings default",
        "Api catalog",
        "Api orders",
        "OpenApiSource catalog-spec",
        "Scope catalog/get:health",
        "Scope catalog/get:products",
        "Scope orders/read:orders",
        "Scope orders/write:orders",
        "Role admin",
        "Role support",
        "User alice",
        "User bob",
        "Application backend",
        "Application exporter",
        "Application web",
        "ApiKey scanner",
      ],
    );
    assert.deepEqual(find(desired, "Scope", "catalog/get:health")?.props, {
      api: "catalog",
      name: "get:health",
      description: "get:health",
      origin: "manual",
    });
    assert.deepEqual(find(desired, "Scope", "catalog/get:products")?.props, {
      api: "catalog",
      name: "get:products",
      description: "GET /products",
      origin: "openapi",
      source: "catalog-spec",
    });
    const source = find(desired, "OpenApiSource", "catalog-spec")?.props as {
      api: string;
      file: { path: string };
    };
    assert.equal(source.api, "catalog");
    assert.equal(source.file.path, "specs/catalog.yaml");
  });

  test("lists whose order means nothing are sorted, so the same meaning gives the same props", async (t) => {
    const { desired } = await loadResources(t, TENANT);
    assert.deepEqual(find(desired, "Role", "admin")?.props, {
      displayName: "admin",
      description: "",
      scopes: { orders: ["read:orders", "write:orders"] },
    });
    const web = find(desired, "Application", "web")?.props as { redirectUris: string[] };
    assert.deepEqual(web.redirectUris, [
      "https://web.example.com/a-callback",
      "https://web.example.com/callback",
    ]);
    assert.deepEqual(find(desired, "ApiKey", "scanner")?.props, {
      api: "orders",
      scopes: ["read:orders", "write:orders"],
      owner: "alice",
    });
  });

  test("applications: clientId defaults to the name; env secrets are hashed, generated ones have no hash", async (t) => {
    const { desired } = await loadResources(t, TENANT);
    const props = (id: string) =>
      find(desired, "Application", id)?.props as unknown as Record<string, unknown>;
    assert.equal(props("exporter").clientId, "exporter-client");
    assert.equal(props("backend").clientId, "backend");
    const sha256 = createHash("sha256").update(ENV.EXPORTER_SECRET).digest("hex");
    assert.deepEqual(props("exporter").secret, { kind: "env", env: "EXPORTER_SECRET", sha256 });
    assert.deepEqual(props("backend").secret, { kind: "generated" });
    assert.deepEqual(props("web").secret, { kind: "none" });
    assert.deepEqual(props("backend").apis, {
      orders: { all: true, scopes: ["read:orders", "write:orders"] },
    });
  });

  test("the same state gives the same list, twice", async (t) => {
    const state = await load(t, TENANT);
    assert.deepEqual(desiredResources(state, ENV), desiredResources(state, ENV));
  });

  for (const [label, env, words] of [
    ["not set", {}, /which is not set/],
    ["empty", { EXPORTER_SECRET: "" }, /which is empty/],
  ] as const) {
    test(`a secret variable that is ${label} is an InputError naming the application, its place and the variable`, async (t) => {
      const state = await load(t, TENANT);
      assert.throws(
        () => desiredResources(state, env),
        (error: unknown) => {
          assert.ok(error instanceof InputError);
          assert.equal(error.diagnostics.length, 1);
          const [d] = error.diagnostics;
          assert.equal(d?.file, "apps.yaml");
          assert.equal(d?.line, 1);
          assert.match(d?.message ?? "", /Application "exporter"/);
          assert.match(d?.message ?? "", /EXPORTER_SECRET/);
          assert.match(d?.message ?? "", words);
          assert.match(error.message, /^apps\.yaml:1:1: /);
          return true;
        },
      );
    });
  }

  test("every application with a missing variable is reported at once", async (t) => {
    const second = APPS.replace(
      "  type: m2m\n  apis:\n    orders: { scopes: all }",
      "  type: m2m\n  secret: { fromEnv: BACKEND_SECRET }\n  apis:\n    orders: { scopes: all }",
    );
    assert.notEqual(second, APPS);
    const state = await load(t, { ...TENANT, "apps.yaml": second });
    assert.throws(
      () => desiredResources(state, {}),
      (error: unknown) =>
        error instanceof InputError &&
        error.diagnostics.length === 2 &&
        /BACKEND_SECRET/.test(error.message) &&
        /EXPORTER_SECRET/.test(error.message),
    );
  });

  describe("a fromEnv secret must be strong: at least 32 characters and about 128 bits", () => {
    const weak = {
      "short (31 characters of base64)": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3I",
      "a repeated character": "a".repeat(40),
      "a repeated pattern": "Secret#1".repeat(5),
      "digits only": "83920174659201837465019283746501",
    };
    for (const [label, value] of Object.entries(weak)) {
      test(`${label} is an InputError naming the application, the field and the variable, not the value`, async (t) => {
        const state = await load(t, TENANT);
        assert.throws(
          () => desiredResources(state, { EXPORTER_SECRET: value }),
          (error: unknown) => {
            assert.ok(error instanceof InputError, String(error));
            assert.equal(error.diagnostics.length, 1);
            const [d] = error.diagnostics;
            assert.equal(d?.file, "apps.yaml");
            assert.equal(d?.field, "spec.secret.fromEnv");
            assert.match(d?.message ?? "", /Application "exporter"/);
            assert.match(d?.message ?? "", /EXPORTER_SECRET/);
            assert.match(d?.message ?? "", /at least 32 characters/);
            assert.match(d?.message ?? "", /openssl rand -base64 32/);
            assert.ok(!error.message.includes(value), "the value is never shown");
            assert.ok(!JSON.stringify(error.diagnostics).includes(value), "the value is never shown");
            return true;
          },
        );
      });
    }

    test("generated-looking secrets pass: base64 and hex from openssl rand, 32 mixed characters", async (t) => {
      const state = await load(t, TENANT);
      for (const value of [
        "q3J9vT0xWm8c1sKf7LrYbQ2nH5uE4aPzD6gC0iXoV+w=",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "Kp7#vQ2m!Xz9Lw4$Rt6Yb1Nc8Hd3Fs5J",
      ]) {
        const exporter = find(desiredResources(state, { EXPORTER_SECRET: value }), "Application", "exporter");
        const props = exporter?.props as { secret?: { kind: string } } | undefined;
        assert.equal(props?.secret?.kind, "env", value);
      }
    });
  });
});
