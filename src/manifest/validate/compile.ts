/**
 * The manifest schemas compiled with Ajv: the one place that knows the Ajv flavour and options, for the
 * validators compiled at run time (ajv.ts, when there are no precompiled ones) and for the precompiled
 * ones the build writes (standalone.ts). Loading this module loads Ajv and the TypeBox schemas.
 */
import type { AnySchema, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { KIND_SCHEMAS } from "../schemas/index.ts";
import { MANIFEST_KINDS, type ManifestKind } from "../schemas/kinds.ts";

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, typed as the namespace.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/**
 * Ajv's 2020-12 flavour matches the dialect `scopectl schema` prints, so editors and the loader judge a
 * document the same way. allErrors: report every problem of a document at once. verbose: errors carry
 * the failing schema and data, which the error mapper needs (allowed field names, union branches, the
 * offending value). strict: a typo in our own schemas fails here, in tests, rather than silently
 * accepting anything. `source`: keep the generated code, for Ajv's standalone output.
 */
export function manifestAjv(source = false): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    ...(source ? { code: { source: true, esm: true } } : {}),
  });
  addFormats(ajv, ["email", "uri", "date-time"]);
  return ajv;
}

/** One compiled validator per kind. */
export function compileKindValidators(): Map<ManifestKind, ValidateFunction> {
  const ajv = manifestAjv();
  return new Map(MANIFEST_KINDS.map((kind) => [kind, ajv.compile(KIND_SCHEMAS[kind])]));
}

/** An Ajv holding every kind's schema under the kind's name, for standalone code that exports each. */
export function ajvWithKindSchemas(): Ajv2020 {
  const ajv = manifestAjv(true);
  for (const kind of MANIFEST_KINDS) ajv.addSchema(KIND_SCHEMAS[kind] as AnySchema, kind);
  return ajv;
}
