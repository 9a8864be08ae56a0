/**
 * Where a spec's paths start on the wire: the path part of each `servers[].url` (OpenAPI 3.x, with server
 * variables at their defaults and each value of their enums; a Path Item's or an Operation's own `servers` replace the document's), or
 * `basePath` (Swagger 2.0). `https://api.example.com/catalog` → `/catalog`; no servers → `/`.
 */

/** A base path as its segments: `/catalog/v2` → ["catalog", "v2"], `/` → []. */
export type BasePath = readonly string[];

const VARIABLE = /\{([^{}]*)\}/g;

interface ServerObject {
  url?: unknown;
  variables?: Record<string, { default?: unknown; enum?: unknown }>;
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

/** At most this many base paths come out of one server's variables (their enums multiplied). */
const MAX_SERVER_EXPANSIONS = 64;

/**
 * Every URL a server's variables allow: each variable at its default and at each value of its `enum`
 * (an API served under `/v1` and `/v2` by one server object is checked under both).
 */
function expand(url: string, variables: Record<string, { default?: unknown; enum?: unknown }>): string[] {
  let urls = [url];
  for (const [name, variable] of Object.entries(variables)) {
    if (!url.includes(`{${name}}`)) continue;
    const values = new Set<string>();
    if (typeof variable?.default === "string") values.add(variable.default);
    if (Array.isArray(variable?.enum))
      for (const v of variable.enum) if (typeof v === "string") values.add(v);
    if (values.size === 0) values.add("");
    urls = urls
      .flatMap((u) => [...values].map((v) => u.split(`{${name}}`).join(v)))
      .slice(0, MAX_SERVER_EXPANSIONS);
  }
  return urls.map((u) => u.replace(VARIABLE, ""));
}

function serverPaths(server: ServerObject): BasePath[] {
  if (typeof server.url !== "string") return [];
  const variables = isRecord(server.variables)
    ? (server.variables as ServerObject["variables"] & object)
    : {};
  const paths: BasePath[] = [];
  for (const url of expand(server.url, variables)) {
    try {
      // A relative URL is relative to where the document is served (OpenAPI 3.1 §4.8.5): its path is all we need.
      paths.push(basePathOf(new URL(url, "http://relative.invalid/").pathname));
    } catch {
      // Not a URL even with the variables filled in: the server names no base path.
    }
  }
  return paths;
}

function serversOf(value: unknown): BasePath[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const found = value.filter(isRecord).flatMap(serverPaths);
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
