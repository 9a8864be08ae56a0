/** The OpenAPI import: read a spec from inside the manifest root, validate it, generate its scopes. */
import { generateScopes } from "./generate.ts";
import { loadSpec } from "./load.ts";
import type { SpecImport } from "./types.ts";

export { MAX_SPEC_BYTES, SPEC_EXTENSIONS } from "./files.ts";
export {
  describeOperation,
  type Generated,
  type GenerateOptions,
  generateScopes,
  listOperations,
} from "./generate.ts";
export { type LoadedSpec, type LoadOptions, loadSpec } from "./load.ts";
export {
  CUT_NAME_HASH_LENGTH,
  CUT_NAME_PREFIX_LENGTH,
  normalizePath,
  ROOT_PATH_NAME,
  SCOPE_NAME_MAX_LENGTH,
  scopeNameFor,
  shortenName,
} from "./naming.ts";
export { MAX_NESTING_DEPTH } from "./refs.ts";
export { MAX_YAML_ALIAS_COUNT } from "./source.ts";
export * from "./types.ts";

export interface ImportOptions {
  /** Absolute path of the folder the spec (and every file its `$ref`s reach) must stay inside. */
  root: string;
  /** Names the Api already lists manually: operations that normalize to one are logged as duplicates. */
  manualScopes?: ReadonlySet<string>;
}

/**
 * Imports the spec at `absFile`. Throws `InputError` (src/model/diagnostics.ts) naming the file, and
 * the line and column where known, when the file is missing, too large, of the wrong type, not
 * OpenAPI 3.x / Swagger 2.0, without `paths`, or when a `$ref` leaves the root or points to the network.
 */
export async function importSpec(absFile: string, opts: ImportOptions): Promise<SpecImport> {
  const spec = await loadSpec(absFile, { root: opts.root });
  const { scopes, log } = generateScopes(spec.paths, { manualScopes: opts.manualScopes });
  return { file: spec.file, specVersion: spec.specVersion, scopes, log, filesRead: spec.filesRead };
}
