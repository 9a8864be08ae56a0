/**
 * The OpenAPI import: read a spec from inside the manifest root (or take an uploaded one as bytes),
 * validate it, generate its scopes.
 */

import type { SpecFormat } from "./files.ts";
import { generateScopes } from "./generate.ts";
import { type LoadedSpec, loadSpec, loadSpecBytes } from "./load.ts";
import type { SpecImport } from "./types.ts";

export { formatOf, MAX_SPEC_BYTES, SPEC_EXTENSIONS, type SpecFormat } from "./files.ts";
export {
  describeOperation,
  type Generated,
  type GenerateOptions,
  generateScopes,
  listOperations,
} from "./generate.ts";
export {
  type LoadBytesOptions,
  type LoadedSpec,
  type LoadOptions,
  loadSpec,
  loadSpecBytes,
} from "./load.ts";
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
  return generated(await loadSpec(absFile, { root: opts.root }), opts.manualScopes);
}

export interface ImportBytesOptions {
  /**
   * What every error calls the spec, and the import record's `file.path`: a base name such as
   * `upload.yaml` (the HTTP layer sanitizes a multipart file name into one).
   */
  name: string;
  format: SpecFormat;
  /** As for importSpec. */
  manualScopes?: ReadonlySet<string>;
}

/**
 * Imports a spec that arrived as bytes (an HTTP upload) exactly as importSpec imports a file: the same
 * limits, parser, checks, validation, naming and log, and the same InputErrors (named `opts.name`). It is
 * one document, so a `$ref` to another file is refused; `filesRead` is empty; no file is read.
 */
export async function importSpecBytes(bytes: Uint8Array, opts: ImportBytesOptions): Promise<SpecImport> {
  const spec = await loadSpecBytes(bytes, { name: opts.name, format: opts.format });
  return generated(spec, opts.manualScopes);
}

function generated(spec: LoadedSpec, manualScopes: ReadonlySet<string> | undefined): SpecImport {
  const { scopes, log } = generateScopes(spec.paths, { manualScopes });
  return { file: spec.file, specVersion: spec.specVersion, scopes, log, filesRead: spec.filesRead };
}
