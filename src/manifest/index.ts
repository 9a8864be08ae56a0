/**
 * The manifest loader: a folder of YAML manifests → a DesiredState, or one InputError that lists every
 * problem of every file, sorted by file and line. The stages are exported for tools (and later stages,
 * such as overlays) that need to run part of the pipeline.
 */
import path from "node:path";
import type { DesiredState } from "../model/desired.ts";
import { InputError } from "../model/diagnostics.ts";
import type { ManifestCache } from "./cache.ts";
import { sortDiagnostics } from "./diagnostics.ts";
import { namesFrom } from "./files.ts";
import type { InputLedger } from "./inputs.ts";
import { loadLayer } from "./overlay.ts";
import { resolveDesiredState } from "./resolve/index.ts";
import { validateDocuments } from "./validate/index.ts";

export { ManifestCache } from "./cache.ts";
export { formatFieldPath, sortDiagnostics } from "./diagnostics.ts";
export type {
  FieldPath,
  LocateTarget,
  ManifestDocument,
  ManifestSet,
  ParsedDocument,
  ParsedFile,
  PathSegment,
  Place,
  ReadResult,
} from "./documents.ts";
export { type FileNamer, namesFrom } from "./files.ts";
export { InputLedger, inputsUnchanged, type RecordedInputs } from "./inputs.ts";
export { type LayerOptions, loadLayer, mergePatch } from "./overlay.ts";
export { collectDocuments, readManifestFiles } from "./read.ts";
export { type Resolved, resolveDesiredState } from "./resolve/index.ts";
// The kinds without their schemas: the schemas (manifestSchema, schemas/index.ts) load TypeBox.
export { MANIFEST_KINDS, type ManifestKind } from "./schemas/kinds.ts";
export {
  type InvalidDocument,
  type ValidatedSet,
  type ValidDocument,
  validateDocuments,
} from "./validate/index.ts";

export interface LoadOptions {
  /**
   * Name files in errors (and source positions) relative to this folder, absolute outside it: the CLI
   * passes the working directory, so that `config/apps.yaml:12:44` opens from the terminal. Default:
   * relative to `root`, as the loaded folder sees them.
   */
  displayBase?: string;
  /**
   * Parsed files of earlier loads: a process that loads the folder again and again (`up`'s watcher, the
   * sync loop) passes the same cache each time, and only changed files are parsed again (cache.ts).
   */
  cache?: ManifestCache;
  /** Records what the load read, for a plan record (inputs.ts). */
  inputs?: InputLedger;
}

/**
 * Loads the manifests under `root` (every .yaml/.yml file, recursively). Throws an InputError with all
 * problems found, in every file, when anything is wrong; never returns a partial state.
 */
export async function loadDesiredState(root: string, options: LoadOptions = {}): Promise<DesiredState> {
  // Reading, then the overlay stage (a folder with an Overlay document is its bases plus its own).
  const name = options.displayBase === undefined ? undefined : namesFrom(options.displayBase);
  const { cache, inputs } = options;
  cache?.startLoad();
  try {
    const set = await loadLayer(path.resolve(root), {
      ...(name ? { name } : {}),
      ...(cache ? { cache } : {}),
      ...(inputs ? { inputs } : {}),
    });
    const validated = validateDocuments(set, cache);
    const { state, diagnostics } = await resolveDesiredState(validated, cache, inputs);
    if (diagnostics.length > 0) throw new InputError(sortDiagnostics(diagnostics));
    return state;
  } finally {
    cache?.sweep();
  }
}
