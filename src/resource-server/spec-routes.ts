/**
 * The route table of a spec file, read by the importer's own loader (`loadSpec`): a spec the import
 * refuses is refused here with the same error, and the operations are exactly the ones it generated
 * scopes for.
 */
import path from "node:path";
import { loadSpec } from "../openapi/load.ts";
import { RouteTable, type RouteTableOptions } from "./route-table.ts";

export interface SpecRoutesOptions extends RouteTableOptions {
  /** The folder the spec and its `$ref`s must stay inside; default the spec's own folder. */
  root?: string;
}

export async function routeTableOfFile(file: string, options: SpecRoutesOptions = {}): Promise<RouteTable> {
  const abs = path.resolve(file);
  const spec = await loadSpec(abs, { root: path.resolve(options.root ?? path.dirname(abs)) });
  return RouteTable.fromDocument({ ...spec.doc, paths: spec.paths }, options);
}
