/**
 * The types that flow between the stages of the loader:
 *
 *   readManifestFiles (files → ParsedFile[])  →  collectDocuments (→ ManifestSet)
 *     →  validateDocuments (→ ValidatedSet)  →  resolveDesiredState (→ DesiredState)
 *
 * Every later stage sees a document only through `ManifestDocument`: plain data plus a `locate` function
 * that maps a field path back to a file, line and column. A stage inserted between parsing and
 * validation (e.g. an overlay that merges a base document with a patch from another file) can build
 * new documents whose `locate` answers from whichever file set each value, without the validator or the
 * resolver knowing.
 */
import type { Diagnostic } from "../model/diagnostics.ts";

/** How diagnostics name a file, from its absolute path (files.ts builds them). */
export type FileNamer = (abs: string) => string;

/** One step of a path into a document: a map key or a list index. */
export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

/** A file, and a line and column in it when known. */
export interface Place {
  /**
   * The file as the user names it, `/` separators: relative to the loaded folder by default, relative to
   * the working directory (absolute outside it) for the CLI. Messages and source positions use it.
   */
  file: string;
  /** Absolute path of the file. */
  abs: string;
  /**
   * The folder whose files this file may reference (e.g. an OpenApiSource's spec must stay inside it).
   * Today always the loaded folder; with overlays, the folder of the layer the file belongs to.
   */
  root: string;
  /** 1-based. */
  line?: number;
  column?: number;
}

/**
 * `key`: the key of a map entry (where an unknown field is); `value`: the value (where a wrong type is);
 * `file`: only the file that holds the value, without line or column: free, where a line and column may
 * cost a careful parse of the file (parse-fast.ts).
 */
export type LocateTarget = "key" | "value" | "file";

export interface ManifestDocument {
  /** The document as plain data (maps are plain objects, never with `__proto__` keys). */
  value: unknown;
  /** Where the document starts (its first node). */
  place: Place;
  /**
   * Where the node at `path` is. When the path does not exist in full (a missing field), the nearest
   * ancestor that does exist; an empty path is the document itself.
   */
  locate(path: FieldPath, at?: LocateTarget): Place;
}

/** A document read from a YAML file. */
export interface ParsedDocument extends ManifestDocument {
  /** 0-based position of the document in its file. */
  index: number;
}

export interface ParsedFile {
  file: string;
  abs: string;
  root: string;
  /**
   * `spec`: an OpenAPI or Swagger file (exactly one document, with a top-level `openapi` or `swagger` key
   * and neither `apiVersion` nor `kind`);
   * the OpenAPI import reads it (with the spec size limit), the manifest loader does not parse it.
   * `manifest`: anything else.
   */
  role: "manifest" | "spec";
  /** The documents that parsed cleanly and are not empty; none for a spec. */
  documents: ParsedDocument[];
}

/**
 * A YAML file over the manifest size limit that is not known to be a spec, left unread. It is an error
 * (`message`) unless an OpenAPI import reads it: a file a spec's `$ref` reaches is part of the spec.
 */
export interface OversizedFile {
  file: string;
  abs: string;
  message: string;
}

/** Stage (a): every YAML file under the root, parsed, with the problems found while reading. */
export interface ReadResult {
  root: string;
  /** How this read named its files; later stages name the files they mention (a spec) the same way. */
  name: FileNamer;
  files: ParsedFile[];
  oversized: OversizedFile[];
  diagnostics: Diagnostic[];
}

/** The documents validation receives. */
export interface ManifestSet {
  root: string;
  name: FileNamer;
  /** Documents with an `apiVersion` or a `kind`, in file order: the manifests. */
  manifests: ManifestDocument[];
  /**
   * Documents with neither: a fragment of an OpenAPI spec when a spec's `$ref` reads their file, an
   * error otherwise. Judged after the OpenAPI imports, which are the only ones who know.
   */
  untyped: ManifestDocument[];
  /** Judged after the OpenAPI imports, like `untyped`. */
  oversized: OversizedFile[];
  diagnostics: Diagnostic[];
}
