/**
 * Where a spec's paths start on the wire: the path part of each `servers[].url` (OpenAPI 3.x, with server
 * variables at their defaults; a Path Item's or an Operation's own `servers` replace the document's), or
 * `basePath` (Swagger 2.0). `https://api.example.com/catalog` → `/catalog`; no servers → `/`.
 */

/** A base path as its segments: `/catalog/v2` → ["catalog", "v2"], `/` → []. */
export type BasePath = readonly string[];

const VARIABLE = /\{([^{}]*)\}/g;

interface ServerObject {
  url?: unknown;
  variables?: Record<string, { default?: unknown }>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `/catalog/` → ["catalog"]; percent-escapes decoded as a request path's segments are. */
export function basePathOf(path: string): BasePath {
  const segments = path.split("/").filter((s) => s !== "");
  return segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

function serverPath(server: ServerObject): BasePath | undefined {
  if (typeof server.url !== "string") return undefined;
  const variables = isRecord(server.variables) ? server.variables : {};
  const url = server.url.replace(VARIABLE, (_, name: string) => {
    const value = variables[name]?.default;
    return typeof value === "string" ? value : "";
  });
  try {
    // A relative URL is relative to where the document is served (OpenAPI 3.1 §4.8.5): its path is all we need.
    return basePathOf(new URL(url, "http://relative.invalid/").pathname);
  } catch {
    return undefined;
  }
}

function serversOf(value: unknown): BasePath[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const paths = value.filter(isRecord).map(serverPath);
  const found = paths.filter((p): p is BasePath => p !== undefined);
  return found.length === 0 ? undefined : found;
}

/** Distinct base paths, longest first, so `/catalog/v2` is tried before `/catalog` and `/`. */
function distinct(paths: BasePath[]): BasePath[] {
  const byKey = new Map(paths.map((p) => [p.join("/"), p]));
  return [...byKey.values()].sort((a, b) => b.length - a.length);
}

/** The document's own base paths: `servers`, else `basePath`, else `/`. */
export function documentBasePaths(doc: Record<string, unknown>): BasePath[] {
  const servers = serversOf(doc.servers);
  if (servers) return distinct(servers);
  if (typeof doc.basePath === "string") return [basePathOf(doc.basePath)];
  return [[]];
}

/** An operation's base paths: its own `servers`, else its Path Item's, else the document's. */
export function operationBasePaths(
  documentPaths: BasePath[],
  pathItem: Record<string, unknown>,
  operation: unknown,
): BasePath[] {
  const own = isRecord(operation) ? serversOf(operation.servers) : undefined;
  return distinct(own ?? serversOf(pathItem.servers) ?? documentPaths);
}
