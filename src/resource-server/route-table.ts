/**
 * Which operation of a spec a request is, and so which scope it needs (docs/resource-server.md#matching-a-request).
 *
 * A request path is read two ways, over one tree of the spec's templates (route-tree.ts):
 * - the spec's reading (`matchSpec`): segments percent-decoded, literals compared case-sensitively,
 *   concrete templates before templated ones, as OpenAPI says;
 * - a router's reading: what Express routes by default, the raw (still encoded) segments, literals
 *   compared case-insensitively, one trailing slash either way.
 * `match` is what the check uses: when both readings find an operation and they differ (`DELETE /users/ALL`
 * is `/users/{id}` to the spec and `/users/all` to Express), the request is refused, because the handler
 * that runs may not be the operation whose scope was checked; when only the router's finds one, it is the
 * operation (a lenient router would run its handler).
 */
import type { HttpMethod } from "../model/spec-import.ts";
import { HTTP_METHODS } from "../model/spec-import.ts";
import { listOperations } from "../openapi/generate.ts";
import { scopeNameFor } from "../openapi/naming.ts";
import { type BasePath, basePathOf, documentBasePaths, operationBasePaths } from "./base-paths.ts";
import { invalidRequest } from "./errors.ts";
import { matchMixed, templateSegments } from "./path-template.ts";
import type { RouteOperation } from "./route-operation.ts";
import { type Entry, type Found, find, type Reading, RouteNode } from "./route-tree.ts";

export type { RouteOperation } from "./route-operation.ts";

/** Longer request paths are refused before any matching (Node's default header limit is 16 KiB). */
export const MAX_PATH_LENGTH = 8192;

export interface RouteMatch {
  operation: RouteOperation;
  /** The template's parameters, decoded: `/users/{userId}` on `/users/42` → { userId: "42" }. */
  params: Record<string, string>;
  /** The base path the request matched under (`/catalog`), `/` for none. */
  basePath: string;
  /** A HEAD request matched to a template's GET operation, because that template has no HEAD operation. */
  headAsGet: boolean;
  /** Matched only as a router reads paths (case-insensitively, raw, trailing slash ignored). */
  lenient: boolean;
}

interface Root {
  base: BasePath;
  foldedBase: BasePath;
  node: RouteNode;
}

export interface RouteTableOptions {
  /**
   * Where the spec's paths start on the wire, replacing the spec's own `servers` / `basePath`: for an API
   * mounted elsewhere than its spec says (`["/"]`: at the root).
   */
  basePaths?: string[];
}

/** Two operations whose templates differ only in parameter names: the spec's first one is the route. */
export interface ShadowedOperation {
  operation: RouteOperation;
  by: RouteOperation;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest("the request path has a malformed percent-encoding");
  }
}

/** The request path's raw segments; refuses a path that is too long or does not start with `/`. */
function rawSegments(path: string): string[] {
  if (path.length > MAX_PATH_LENGTH)
    throw invalidRequest(`the request path is longer than ${MAX_PATH_LENGTH} characters`);
  if (!path.startsWith("/")) throw invalidRequest(`the request path must start with "/"`);
  const raw = path.slice(1);
  return raw === "" ? [] : raw.split("/");
}

/** The request path's segments, percent-decoded one by one (so `%2F` stays inside its segment). */
export function requestSegments(path: string): string[] {
  return rawSegments(path).map(decode);
}

function startsWith(segments: readonly string[], base: BasePath): boolean {
  return base.every((s, i) => segments[i] === s);
}

/** Parameter values of the found template, from `segments` (decoded) or raw ones (decoded here). */
function paramsOf(entry: Entry, segments: readonly string[], raw: boolean): Record<string, string> {
  const params: Record<string, string> = {};
  const value = (s: string) => (raw ? decode(s) : s);
  entry.segments.forEach((t, i) => {
    const segment = segments[i] ?? "";
    if (t.kind === "parameter") params[t.name] = value(segment);
    else if (t.kind === "mixed") {
      const values = matchMixed(t, segment, raw) ?? [];
      t.names.forEach((name, g) => {
        params[name] = value(values[g] ?? "");
      });
    }
  });
  return params;
}

function isMethod(method: string): method is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(method);
}

export class RouteTable {
  readonly operations: readonly RouteOperation[];
  readonly shadowed: readonly ShadowedOperation[];
  readonly #roots: Root[];

  private constructor(operations: RouteOperation[], shadowed: ShadowedOperation[], roots: Root[]) {
    this.operations = Object.freeze(operations);
    this.shadowed = Object.freeze(shadowed);
    this.#roots = roots;
  }

  /** From a loaded spec (`loadSpec`'s `doc`, whose path items that were `$ref`s are resolved). */
  static fromDocument(doc: Record<string, unknown>, options: RouteTableOptions = {}): RouteTable {
    const paths = isRecord(doc.paths) ? doc.paths : {};
    const override = options.basePaths?.map(basePathOf);
    const documentPaths = override ?? documentBasePaths(doc);
    const roots = new Map<string, Root>();
    const operations: RouteOperation[] = [];
    const shadowed = new Map<RouteOperation, ShadowedOperation>();
    for (const { method, path, operation } of listOperations(paths)) {
      const op = isRecord(operation) ? operation : {};
      const routeOperation: RouteOperation = {
        method,
        path,
        scope: scopeNameFor(method, path),
        ...(nonEmptyString(op.operationId) ? { operationId: op.operationId as string } : {}),
        ...(nonEmptyString(op.summary) ? { summary: op.summary as string } : {}),
      };
      operations.push(routeOperation);
      const segments = templateSegments(path);
      const item = paths[path] as Record<string, unknown>;
      for (const base of override ?? operationBasePaths(documentPaths, item, operation)) {
        const key = base.join("/");
        let root = roots.get(key);
        if (!root) {
          root = { base, foldedBase: base.map((s) => s.toLowerCase()), node: new RouteNode() };
          roots.set(key, root);
        }
        let node = root.node;
        for (const segment of segments) node = node.child(segment);
        const existing = node.operations.get(method);
        if (existing) {
          if (!shadowed.has(routeOperation))
            shadowed.set(routeOperation, { operation: routeOperation, by: existing.operation });
          continue;
        }
        node.operations.set(method, { operation: routeOperation, segments });
      }
    }
    const ordered = [...roots.values()].sort((a, b) => b.base.length - a.base.length);
    return new RouteTable(operations, [...shadowed.values()], ordered);
  }

  /** Where the spec's paths start on the wire, longest first: `/catalog`, `/`. */
  basePaths(): string[] {
    return this.#roots.map((root) => `/${root.base.join("/")}`);
  }

  /** The operations' scopes, each once, in spec order: what the API's tokens may need. */
  scopes(): string[] {
    return [...new Set(this.operations.map((o) => o.scope))];
  }

  /**
   * The operation a request is, or undefined when none is. `path` is the request's path without its
   * query, percent-encoded as it arrived. Throws AccessRefused (invalid_request) for a path that is too
   * long, does not decode, or is a different operation to a router than to the spec.
   */
  match(method: string, path: string): RouteMatch | undefined {
    const raw = rawSegments(path);
    const decoded = raw.map(decode);
    const lower = method.toLowerCase();
    if (!isMethod(lower)) return undefined;
    const spec = this.#search(lower, decoded, "spec");
    const routed = this.#routerSearch(lower, raw);
    if (spec && routed && spec.operation !== routed.operation) {
      throw invalidRequest(
        `the request path is ${describe(spec.operation)} as the spec reads it but ${describe(routed.operation)} to a case-insensitive router; send the path as the spec writes it`,
      );
    }
    return spec ?? (routed ? { ...routed, lenient: true } : undefined);
  }

  /** The spec's reading alone: decoded segments, case-sensitive literals (OpenAPI's matching). */
  matchSpec(method: string, path: string): RouteMatch | undefined {
    const lower = method.toLowerCase();
    if (!isMethod(lower)) return undefined;
    return this.#search(lower, requestSegments(path), "spec");
  }

  /**
   * The methods some operation takes at `path`, in either reading: a request of another method at a path
   * the spec knows is a wrong method (405), not an unknown path.
   */
  methodsAt(path: string): HttpMethod[] {
    const raw = rawSegments(path);
    const decoded = raw.map(decode);
    return HTTP_METHODS.filter(
      (m) =>
        this.#search(m, decoded, "spec")?.headAsGet === false ||
        this.#routerSearch(m, raw)?.headAsGet === false,
    );
  }

  /** Express's default: one trailing slash is optional on the request and on the template alike. */
  #routerSearch(method: HttpMethod, raw: string[]): RouteMatch | undefined {
    const folded = raw.map((s) => s.toLowerCase());
    const trimmed = folded.length > 0 && folded[folded.length - 1] === "" ? folded.slice(0, -1) : folded;
    const rawTrimmed = raw.slice(0, trimmed.length);
    return (
      this.#search(method, trimmed, "router", rawTrimmed) ??
      this.#search(method, [...trimmed, ""], "router", [...rawTrimmed, ""])
    );
  }

  /** `segments`: decoded (spec reading) or raw lowercased (router reading, `raw` beside them). */
  #search(method: HttpMethod, segments: string[], reading: Reading, raw?: string[]): RouteMatch | undefined {
    for (const root of this.#roots) {
      if (!startsWith(segments, reading === "router" ? root.foldedBase : root.base)) continue;
      const after = segments.slice(root.base.length);
      // The spec's `/` under a base path `/api` is `/api/` on the wire (and `/api`, its base alone).
      const rest = root.base.length > 0 && after.length === 1 && after[0] === "" ? [] : after;
      const found: Found | undefined = find(root.node, rest, 0, method, reading);
      if (!found) continue;
      const values = reading === "router" ? (raw ?? []).slice(root.base.length) : rest;
      return {
        operation: found.entry.operation,
        params: paramsOf(found.entry, values, reading === "router"),
        basePath: `/${root.base.join("/")}`,
        headAsGet: found.headAsGet,
        lenient: false,
      };
    }
    return undefined;
  }
}

function describe(operation: RouteOperation): string {
  return `${operation.method.toUpperCase()} ${operation.path}`;
}
