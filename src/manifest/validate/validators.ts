/**
 * The validator of each kind, compiled once per process on first use (compile.ts).
 *
 * Compiling costs a process about a quarter of a second (Ajv's compiler and the TypeBox schemas to
 * load, then the compile), more than checking a whole folder takes. So `npm run build` replaces this
 * module in dist/ by Ajv's standalone code of the same validators (scripts/build-startup.mjs writes what
 * standalone.ts renders): the same exports, judging every document exactly as the compiled
 * validators do, and loading neither the compiler nor the schemas. A `tsc` alone writes this module
 * again, which compiles: a dist/ can never run validators older than its schemas. Under tsx (tests,
 * `npm run scopectl`) this is the module that runs (docs/benchmarks.md#cli-start-up).
 */
import type { ValidateFunction } from "ajv";
import type { ManifestKind } from "../schemas/kinds.ts";
import { compileKindValidators } from "./compile.ts";

let validators: ReadonlyMap<ManifestKind, ValidateFunction> | undefined;

export function kindValidators(): ReadonlyMap<ManifestKind, ValidateFunction> {
  validators ??= compileKindValidators();
  return validators;
}
