import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";
import { MANIFEST_KINDS, manifestSchema } from "../../src/manifest/schemas/index.ts";

const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

type Schema = Record<string, unknown>;

/** Every subschema, with its path, depth first. */
function* subschemas(schema: unknown, path = "#"): Generator<[string, Schema]> {
  if (schema === null || typeof schema !== "object") return;
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) yield* subschemas(s, `${path}/${i}`);
    return;
  }
  const s = schema as Schema;
  yield [path, s];
  for (const key of ["properties", "$defs"]) {
    for (const [name, sub] of Object.entries((s[key] as Schema | undefined) ?? {}))
      yield* subschemas(sub, `${path}/${key}/${name}`);
  }
  for (const key of ["items", "additionalProperties", "anyOf", "oneOf"]) {
    if (typeof s[key] === "object") yield* subschemas(s[key], `${path}/${key}`);
  }
}

function compile(schema: Schema) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("manifestSchema", () => {
  for (const kind of MANIFEST_KINDS) {
    test(`${kind}: a 2020-12 schema with $id and title, closed objects and described fields`, () => {
      const schema = manifestSchema(kind);
      assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
      assert.equal(schema.$id, `urn:scopectl:schema:v1:${kind}`);
      assert.equal(schema.title, kind);
      for (const [path, s] of subschemas(schema)) {
        if (s.properties) assert.equal(s.additionalProperties, false, `${path} must be closed`);
        for (const [name, prop] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
          assert.equal(typeof prop.description, "string", `${path}/properties/${name} needs a description`);
        }
      }
      // Plain JSON: no TypeBox symbols, survives a round trip unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
      compile(schema);
    });
  }

  test("without a kind: one schema that accepts a document of any kind and rejects the rest", () => {
    const validate = compile(manifestSchema());
    const docs = parse(
      `[
        { apiVersion: scopectl/v1, kind: Api, metadata: { name: orders }, spec: { audience: "https://a.example.com" } },
        { apiVersion: scopectl/v1, kind: Application, metadata: { name: w }, spec: { type: m2m, secret: { fromEnv: W_SECRET }, apis: { orders: { scopes: all } } } },
        { apiVersion: scopectl/v1, kind: Settings, metadata: { name: s }, spec: {} }
      ]`,
    ) as unknown[];
    for (const doc of docs) assert.equal(validate(doc), true, JSON.stringify(validate.errors));
    for (const bad of [
      { apiVersion: "scopectl/v1", kind: "Widget", metadata: { name: "w" }, spec: {} },
      {
        apiVersion: "scopectl/v1",
        kind: "Api",
        metadata: { name: "orders" },
        spec: { audience: "a", colour: "b" },
      },
      {
        apiVersion: "scopectl/v1",
        kind: "Application",
        metadata: { name: "w" },
        spec: { type: "m2m", secret: "hunter2" },
      },
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });

  test("defaults are shown to editors", () => {
    const settings = manifestSchema("Settings") as {
      properties: { spec: { properties: Record<string, Schema> } };
    };
    const spec = settings.properties.spec.properties;
    assert.equal(spec.issuer?.default, "http://localhost:8080");
    assert.equal(spec.signingAlg?.default, "RS256");
    assert.deepEqual(spec.signingAlg?.enum, ["RS256", "ES256", "EdDSA"]);
    assert.equal(spec.accessTokenLifetimeSeconds?.default, 3600);
  });

  test("an unknown kind is refused", () => {
    assert.throws(() => manifestSchema("Widget"), /unknown kind "Widget"; the kinds are Api, OpenApiSource/);
  });
});
