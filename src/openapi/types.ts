/** What an OpenAPI import produces: the scopes it generates and the log of how each operation fared. */

import type { HttpMethod, ImportLogEntry, SpecFileInfo } from "../model/spec-import.ts";

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
