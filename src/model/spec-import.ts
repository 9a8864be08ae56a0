/**
 * The record an OpenAPI import leaves in the desired state and the store: which spec file it read and
 * how each operation fared. The types live in model/ because the store and the plan keep them; the
 * import itself (openapi/) produces them.
 */

/** The eight HTTP methods whose operations generate a scope, in the order a path item lists them. */
export const HTTP_METHODS = ["get", "post", "put", "patch", "delete", "options", "head", "trace"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

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
