/**
 * Ajv errors → Diagnostics that name a line and column and say what is wrong in words. An unknown field
 * is placed at its key, a wrong value at the value, a missing field at the map that lacks it.
 */
import type { ErrorObject } from "ajv";
import { redactUrls } from "../../core/redact.ts";
import type { Diagnostic } from "../../model/diagnostics.ts";
import { didYouMean } from "../../model/did-you-mean.ts";
import { describeValue, diagnosticAt } from "../diagnostics.ts";
import type { FieldPath, ManifestDocument, PathSegment } from "../documents.ts";
import { PATTERN_HINTS } from "../schemas/patterns.ts";

const FORMAT_HINTS: Readonly<Record<string, string>> = {
  email: "must be an email address",
  uri: "must be an absolute URI (e.g. https://app.example.com/callback)",
  "date-time": "must be an RFC 3339 date and time with a time zone (e.g. 2027-12-31T23:59:59Z)",
};

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: "a map",
  array: "a list",
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  null: "null",
};

/** A refused string, quoted for the message: a URL's user name and password become `***` (CI logs). */
const echo = (data: unknown): string => JSON.stringify(typeof data === "string" ? redactUrls(data) : data);

/** JSON pointer → path segments, with list indexes as numbers (found by walking the data). */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === "") return [];
  const path: PathSegment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current)) {
      const index = Number(key);
      path.push(index);
      current = current[index];
    } else {
      path.push(key);
      current =
        current !== null && typeof current === "object"
          ? (current as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return path;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(schemaType: unknown, value: unknown): boolean {
  const actual = jsonType(value);
  const types = Array.isArray(schemaType) ? schemaType : [schemaType];
  return types.some((t) => t === actual || (t === "number" && actual === "integer"));
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * A union (`anyOf`) fails with one error per branch, most of them noise. When the value has the type of
 * one branch and that branch's errors are deeper (e.g. one bad item of a list), keep those; otherwise
 * report the union once: "must be a list of scope names or "all"".
 */
function collapseUnions(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === "anyOf");
  if (unions.length === 0) return errors;
  const drop = new Set<ErrorObject>();
  const replace = new Map<ErrorObject, ErrorObject>();
  for (const union of unions) {
    const branches = (union.schema as Array<{ type?: unknown; title?: string }>) ?? [];
    const inside = (e: ErrorObject, i?: number) =>
      e !== union &&
      e.schemaPath.startsWith(i === undefined ? `${union.schemaPath}/` : `${union.schemaPath}/${i}/`);
    const matching = branches.findIndex((b) => typeMatches(b.type, union.data));
    const deeper =
      matching !== -1 &&
      errors
        .filter((e) => inside(e, matching))
        .every((e) => e.instancePath.length > union.instancePath.length);
    for (const e of errors) {
      if (!inside(e)) continue;
      if (deeper && inside(e, matching)) continue;
      drop.add(e);
    }
    if (deeper) drop.add(union);
    else {
      const titles = branches.map((b, i) => b.title ?? `option ${i + 1}`);
      replace.set(union, {
        ...union,
        message: `must be ${titles.join(" or ")}, not ${describeValue(union.data)}`,
      });
    }
  }
  return errors.filter((e) => !drop.has(e)).map((e) => replace.get(e) ?? e);
}

interface Described {
  message: string;
  /** Appended to the error's path for the field (and, unless `placeAtParent`, for the position). */
  extra?: PathSegment;
  /** A missing field has no position: place it at the key of the map that lacks it. */
  placeAtParent?: boolean;
  at: "key" | "value";
}

function describe(error: ErrorObject): Described {
  const value = describeValue(error.data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const hint = didYouMean(field, allowed) || `; the fields here are ${allowed.join(", ")}`;
      return { message: `unknown field "${field}"${hint}`, extra: field, at: "key" };
    }
    case "required":
      return {
        message: `missing required field "${String(params.missingProperty)}"`,
        extra: String(params.missingProperty),
        placeAtParent: true,
        at: "key",
      };
    case "type": {
      const types = Array.isArray(params.type) ? params.type : [params.type];
      return {
        message: `must be ${types.map((t) => TYPE_NAMES[String(t)] ?? t).join(" or ")}, not ${value}`,
        at: "value",
      };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const hint = typeof error.data === "string" ? didYouMean(error.data, allowed) : "";
      return { message: `must be one of ${allowed.join(", ")}, not ${value}${hint}`, at: "value" };
    }
    case "const":
      return { message: `must be ${JSON.stringify(params.allowedValue)}, not ${value}`, at: "value" };
    case "pattern": {
      const hint =
        PATTERN_HINTS[String(params.pattern)] ?? `it must match the pattern ${String(params.pattern)}`;
      return { message: `invalid value ${echo(error.data)}: ${hint}`, at: "value" };
    }
    case "format": {
      const hint = FORMAT_HINTS[String(params.format)] ?? `must be a valid ${String(params.format)}`;
      return { message: `invalid value ${echo(error.data)}: ${hint}`, at: "value" };
    }
    case "minimum":
      return { message: `must be at least ${String(params.limit)}, not ${value}`, at: "value" };
    case "maximum":
      return { message: `must be at most ${String(params.limit)}, not ${value}`, at: "value" };
    case "minItems":
      return { message: `must list at least ${plural(Number(params.limit), "item")}`, at: "value" };
    case "maxItems":
      return { message: `must list at most ${plural(Number(params.limit), "item")}`, at: "value" };
    case "minLength":
      return {
        message:
          Number(params.limit) === 1
            ? "must not be empty"
            : `must be at least ${plural(Number(params.limit), "character")} long`,
        at: "value",
      };
    case "maxLength":
      return { message: `must be at most ${plural(Number(params.limit), "character")} long`, at: "value" };
    default:
      return { message: error.message ?? `is not valid (${error.keyword})`, at: "value" };
  }
}

/** Diagnostics for the schema errors of one document, skipping errors under `ignore` paths. */
export function schemaDiagnostics(
  doc: ManifestDocument,
  errors: ErrorObject[],
  ignore: readonly FieldPath[] = [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const error of collapseUnions(errors)) {
    const path = pointerToPath(error.instancePath, doc.value);
    if (ignore.some((prefix) => prefix.every((segment, i) => path[i] === segment))) continue;
    const { message, extra, placeAtParent, at } = describe(error);
    const field: FieldPath = extra === undefined ? path : [...path, extra];
    out.push(diagnosticAt(doc.locate(placeAtParent ? path : field, at), message, field));
  }
  return out;
}
