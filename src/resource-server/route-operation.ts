/** One operation of a spec as the resource server sees it: its method, template and the scope it needs. */
import type { HttpMethod } from "../model/spec-import.ts";

export interface RouteOperation {
  method: HttpMethod;
  /** The path template as the spec writes it: `/users/{userId}`. */
  path: string;
  /** The scope the importer generates for it (`scopeNameFor`): the scope a request needs. */
  scope: string;
  operationId?: string;
  summary?: string;
}
