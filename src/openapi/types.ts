/** What an OpenAPI import produces: the scopes it generates and the log of how each operation fared. */

/** The eight HTTP methods whose operations generate a scope, in the order a path item lists them. */
export const HTTP_METHODS = ["get", "post", "put", "patch", "delete", "options", "head", "trace"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One scope generated from one operation. */
export interface GeneratedScope {
  /** `{method}:{normalized_path}`, at most 64 characters. */
  name: string;
  /** The operation's summary, else its operationId, else `METHOD path` as written. */
  description: string;
  method: HttpMethod;
  /** The path as written in the spec, e.g. `/users/{userId}`. */
  path: string;
}

/** One operation of the spec, as seen by the import, in the order the spec lists them. */
export interface Operation {
  method: HttpMethod;
  path: string;
}

/**
 * The import log: one entry per operation. `created` generated a scope; `duplicate` normalized to a
 * name that an earlier operation of the same spec, or a scope the Api already has, already holds;
 * `skipped-reserved` normalized to a reserved name.
 */
export type ImportLogEntry =
  | ({ action: "created"; scope: string } & Operation)
  | ({ action: "duplicate"; scope: string; duplicateOf: Operation | { manual: true } } & Operation)
  | ({ action: "skipped-reserved"; scope: string } & Operation);

/** The spec file as the import records it. */
export interface SpecFileInfo {
  /** Path relative to the manifest root, with `/` separators. */
  path: string;
  sha256: string;
  size: number;
}

/** The result of importing one spec: what an OpenApiSource contributes to the desired state. */
export interface SpecImport {
  file: SpecFileInfo;
  /** OpenAPI 3.0, 3.1 or Swagger 2.0, as the file declares it. */
  specVersion: string;
  scopes: GeneratedScope[];
  log: ImportLogEntry[];
  /** Absolute paths of every file the import read: the spec and the files its `$ref`s pull in. */
  filesRead: string[];
}
