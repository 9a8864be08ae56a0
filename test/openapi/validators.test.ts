/**
 * The precompiled schema validators (src/openapi/validators/*.generated.ts) must be exactly what Ajv would
 * compile today from the official schemas swagger-parser uses, and must judge specs as swagger-parser does.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse as parseYaml } from "yaml";
import { importSpec } from "../../src/openapi/index.ts";
import {
  ajvFor,
  officialSchema,
  renderStandalone,
  VALIDATOR_KINDS,
  type ValidatorKind,
  validatorFile,
} from "../../src/openapi/validators/build.ts";
import validate30 from "../../src/openapi/validators/openapi-3.0.generated.ts";
import validate31 from "../../src/openapi/validators/openapi-3.1.generated.ts";
import validate20 from "../../src/openapi/validators/swagger-2.0.generated.ts";
import { FIXTURES, put, tempRoot } from "./helpers.ts";

type Validate = ((data: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; keyword: string }> | null;
};
const GENERATED: Record<ValidatorKind, Validate> = {
  "swagger-2.0": validate20 as Validate,
  "openapi-3.0": validate30 as Validate,
  "openapi-3.1": validate31 as Validate,
};

/** Just enough of a fixture's shape to break it in known ways. */
interface Doc {
  info?: unknown;
  paths: Record<
    string,
    Record<string, unknown> & { get: { summary?: unknown; responses?: Record<string, unknown> } }
  >;
}

const pets = (d: Doc) => d.paths["/pets"] as Doc["paths"][string];

/** Valid and invalid documents of each version. */
async function samples(kind: ValidatorKind): Promise<unknown[]> {
  const fixture = {
    "swagger-2.0": "petstore-2.0.yaml",
    "openapi-3.0": "petstore-3.0.yaml",
    "openapi-3.1": "petstore-3.1.yaml",
  }[kind];
  const valid = parseYaml(await readFile(path.join(FIXTURES, fixture), "utf8")) as Doc;
  const broken = (mutate: (doc: Doc) => void) => {
    const doc = structuredClone(valid);
    mutate(doc);
    return doc;
  };
  return [
    valid,
    broken((d) => delete d.info),
    broken((d) => {
      pets(d).get.summary = 42;
    }),
    broken((d) => {
      pets(d).fetch = {};
    }),
    broken((d) => {
      d.paths.nope = { get: {} };
    }),
    broken((d) => {
      delete pets(d).get.responses;
    }),
    broken((d) => {
      pets(d).get.responses = { "200": {} };
    }),
  ];
}

describe("precompiled schema validators", () => {
  for (const kind of VALIDATOR_KINDS) {
    test(`the ${kind} validator is up to date (regenerate with: npx tsx src/openapi/validators/build.ts)`, async () => {
      const file = await readFile(validatorFile(kind), "utf8");
      const recorded = /^\/\/ standalone-sha256: ([0-9a-f]{64})$/m.exec(file)?.[1];
      assert.equal(recorded, renderStandalone(kind).sha256);
      assert.ok(file.includes(renderStandalone(kind).code), "the file holds the generated code unchanged");
    });

    test(`the ${kind} validator agrees with Ajv compiling the official schema at run time`, async () => {
      const compiled = ajvFor(kind, { code: {} }).compile(officialSchema(kind)) as Validate;
      for (const doc of await samples(kind)) {
        const expected = compiled(doc);
        assert.equal(GENERATED[kind](doc), expected);
        const shape = (v: Validate) => (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
        assert.deepEqual(shape(GENERATED[kind]), shape(compiled));
      }
    });
  }

  test("swagger-parser's own validate() and importSpec agree on which fixtures are valid", async (t) => {
    const root = await tempRoot(t);
    for (const kind of VALIDATOR_KINDS) {
      for (const [i, doc] of (await samples(kind)).entries()) {
        const file = await put(root, `${kind}-${i}.json`, JSON.stringify(doc));
        const options: SwaggerParser.Options = { resolve: { http: false } };
        const theirs = await SwaggerParser.validate(file, options).then(
          () => true,
          () => false,
        );
        const ours = await importSpec(file, { root }).then(
          () => true,
          () => false,
        );
        assert.equal(ours, theirs, `${kind} sample ${i}`);
      }
    }
  });
});
