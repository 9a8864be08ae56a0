/**
 * The compiled validators, one per kind, built once per process on first use. Ajv's 2020-12 flavour
 * matches the dialect `scopectl schema` prints, so editors and the loader judge a document the same way.
 */

import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { KIND_SCHEMAS, MANIFEST_KINDS, type ManifestKind } from "../schemas/index.ts";

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, typed as the namespace.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

let validators: Map<ManifestKind, ValidateFunction> | undefined;

function compileAll(): Map<ManifestKind, ValidateFunction> {
  // allErrors: report every problem of a document at once. verbose: errors carry the failing schema and
  // data, which the error mapper needs (allowed field names, union branches, the offending value).
  // strict: a typo in our own schemas fails here, in tests, rather than silently accepting anything.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  addFormats(ajv, ["email", "uri", "date-time"]);
  const map = new Map<ManifestKind, ValidateFunction>();
  for (const kind of MANIFEST_KINDS) map.set(kind, ajv.compile(KIND_SCHEMAS[kind]));
  return map;
}

/** Validates `value` as a whole document of `kind`; returns Ajv's errors, or [] when valid. */
export function schemaErrors(kind: ManifestKind, value: unknown): ErrorObject[] {
  validators ??= compileAll();
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no validator for kind ${kind}`);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
