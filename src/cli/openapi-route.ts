/**
 * `scopectl openapi route FILE METHOD PATH`: which operation of a spec a concrete request is, and which
 * scope it needs, decided by the resource-server library's matcher (the one the middleware uses), so an
 * API team can ask "what does GET /catalog/products/42 need?" without running anything. The command's
 * work; declared in commands/openapi.ts, which loads this module only when it runs.
 */
import { noOperation } from "../resource-server/errors.ts";
import type { RouteMatch, RouteTable } from "../resource-server/route-table.ts";
import { routeTableOfFile } from "../resource-server/spec-routes.ts";
import { colors, out, table } from "./output.ts";

export interface RouteOptions {
  root?: string;
  basePath?: string[];
  json?: boolean;
}

/** A path, or a whole URL whose path is taken; the query goes either way. */
function pathOf(target: string): string {
  if (/^https?:\/\//i.test(target)) return new URL(target).pathname;
  const cut = target.search(/[?#]/);
  return cut === -1 ? target : target.slice(0, cut);
}

function notes(match: RouteMatch): string[] {
  const lines: string[] = [];
  if (match.headAsGet)
    lines.push("HEAD: the spec has no HEAD operation for this path, so HEAD needs GET's scope");
  if (match.lenient) {
    lines.push("matched only case-insensitively or without its trailing slash, as Express routes by default");
  }
  return lines;
}

function toJson(method: string, path: string, match: RouteMatch) {
  const { operation } = match;
  return {
    request: { method: method.toUpperCase(), path },
    operation: {
      method: operation.method,
      path: operation.path,
      ...(operation.operationId ? { operationId: operation.operationId } : {}),
      ...(operation.summary ? { summary: operation.summary } : {}),
    },
    scope: operation.scope,
    basePath: match.basePath,
    params: match.params,
    headAsGet: match.headAsGet,
    lenient: match.lenient,
  };
}

function printMatch(method: string, path: string, match: RouteMatch, routes: RouteTable): void {
  const { operation } = match;
  out(`${colors.bold(`${method.toUpperCase()} ${path}`)}`);
  const named = operation.operationId ?? operation.summary;
  const rows = [
    ["operation", `${operation.method.toUpperCase()} ${operation.path}${named ? `  (${named})` : ""}`],
    ["scope", colors.green(operation.scope)],
    ["base path", match.basePath],
  ];
  const params = Object.entries(match.params);
  if (params.length > 0)
    rows.push(["parameters", params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")]);
  for (const line of table(rows)) out(`  ${line}`);
  for (const line of notes(match)) out(colors.yellow(`  ${line}`));
  const shadowed = routes.shadowed.filter((s) => s.by === operation);
  for (const s of shadowed) {
    out(
      colors.yellow(
        `  ${s.operation.method.toUpperCase()} ${s.operation.path} has the same shape and is never matched`,
      ),
    );
  }
}

export async function runRoute(
  file: string,
  method: string,
  target: string,
  options: RouteOptions,
): Promise<void> {
  const routes = await routeTableOfFile(file, {
    ...(options.root ? { root: options.root } : {}),
    ...(options.basePath ? { basePaths: options.basePath } : {}),
  });
  const path = pathOf(target);
  const match = routes.match(method, path);
  if (!match) {
    const methods = routes.methodsAt(path).map((m) => m.toUpperCase());
    const why =
      methods.length > 0
        ? `this path takes ${methods.join(", ")}`
        : `base paths: ${routes.basePaths().join(", ")}; give --base-path for an API mounted elsewhere`;
    throw noOperation(`no operation of ${file} is ${method.toUpperCase()} ${path} (${why})`);
  }
  if (options.json) out(JSON.stringify(toJson(method, path, match), null, 2));
  else printMatch(method, path, match, routes);
}
