/**
 * Which operation of a spec a request is, and so which scope it needs: the spec's path templates in a
 * tree of segments, searched most concrete first (docs/resource-server.md#matching-a-request).
 *
 * - A literal segment beats a segment mixing text and expressions (`{name}.json`), which beats a whole
 *   expression (`{id}`): `/users/me` is `/users/me`, not `/users/{id}`, whatever order the spec lists them.
 * - The search goes on to less concrete templates when the most concrete one has no operation for the
 *   method: with `GET /users/me` and `DELETE /users/{id}`, `DELETE /users/me` is `DELETE /users/{id}`, as a
 *   router that tries routes in turn would dispatch it.
 * - `HEAD` is the spec's HEAD operation when one matches; only when none does is it the GET operation
 *   (HTTP servers answer HEAD with GET's handler), and the match says so.
 * - When nothing matches exactly, the match is tried again as Express routes by default (case-insensitive,
 *   one trailing slash ignored), so a lenient router behind this check never reaches a handler the check
 *   did not guard.
 *
 * Each visit of the search reaches a tree node by the one path to it, so a match costs at most one visit
 * per node, never more, whatever the request.
 */

import { HTTP_METHODS, type HttpMethod } from "../model/spec-import.ts";
import { listOperations } from "../openapi/generate.ts";
import { scopeNameFor } from "../openapi/naming.ts";
import { type BasePath, basePathOf, documentBasePaths, operationBasePaths } from "./base-paths.ts";
import { invalidRequest } from "./errors.ts";
import { segmentKey, type TemplateSegment, templateSegments } from "./path-template.ts";

export interface RouteOperation {
  method: HttpMethod;
  /** The path template as the spec writes it: `/users/{userId}`. */
  path: string;
  /** The scope the importer generates for it (`scopeNameFor`): the scope a request needs. */
  scope: string;
  operationId?: string;
  summary?: string;
}

export interface RouteMatch {
  operation: RouteOperation;
  /** The template's parameters, decoded: `/users/{userId}` on `/users/42` → { userId: "42" }. */
  params: Record<string, string>;
  /** The base path the request matched under (`/catalog`), `/` for none. */
  basePath: string;
  /** A HEAD request matched to the GET operation, because no HEAD operation matches. */
  headAsGet: boolean;
  /** Matched only case-insensitively or without its trailing slash (as Express routes by default). */
  lenient: boolean;
}

interface Entry {
  operation: RouteOperation;
  segments: TemplateSegment[];
}

class RouteNode {
  readonly literal = new Map<string, RouteNode>();
  /** Literal children by lowercased text: more than one when the spec has `/Users` and `/users`. */
  readonly folded = new Map<string, RouteNode[]>();
  /** Mixed segments in rank order: more literal text first, then spec order. */
  readonly mixed: Array<{
    segment: Extract<TemplateSegment, { kind: "mixed" }>;
    key: string;
    node: RouteNode;
  }> = [];
  parameter: RouteNode | undefined;
  readonly operations = new Map<HttpMethod, Entry>();

  child(segment: TemplateSegment): RouteNode {
    if (segment.kind === "literal") {
      let node = this.literal.get(segment.text);
      if (!node) {
        node = new RouteNode();
        this.literal.set(segment.text, node);
        const lower = segment.text.toLowerCase();
        this.folded.set(lower, [...(this.folded.get(lower) ?? []), node]);
      }
      return node;
    }
    if (segment.kind === "parameter") {
      this.parameter ??= new RouteNode();
      return this.parameter;
    }
    const key = segmentKey(segment);
    const found = this.mixed.find((m) => m.key === key);
    if (found) return found.node;
    const node = new RouteNode();
    this.mixed.push({ segment, key, node });
    this.mixed.sort((a, b) => b.segment.literalLength - a.segment.literalLength);
    return node;
  }
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

/** The request path's segments, percent-decoded one by one (so `%2F` stays inside its segment). */
export function requestSegments(path: string): string[] {
  if (!path.startsWith("/")) throw invalidRequest(`the request path must start with "/"`);
  const raw = path.slice(1);
  if (raw === "") return [];
  return raw.split("/").map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw invalidRequest("the request path has a malformed percent-encoding");
    }
  });
}

function startsWith(segments: readonly string[], base: BasePath): boolean {
  return base.every((s, i) => segments[i] === s);
}

function paramsOf(entry: Entry, segments: readonly string[], fold: boolean): Record<string, string> {
  const params: Record<string, string> = {};
  entry.segments.forEach((t, i) => {
    const value = segments[i] ?? "";
    if (t.kind === "parameter") params[t.name] = value;
    else if (t.kind === "mixed") {
      const groups = (fold ? t.folded : t.exact).exec(value);
      t.names.forEach((name, g) => {
        params[name] = groups?.[g + 1] ?? "";
      });
    }
  });
  return params;
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
    const shadowed: ShadowedOperation[] = [];
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
      const bases = override ?? operationBasePaths(documentPaths, item, operation);
      for (const base of bases) {
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
          if (existing.operation !== routeOperation)
            shadowed.push({ operation: routeOperation, by: existing.operation });
          continue;
        }
        node.operations.set(method, { operation: routeOperation, segments });
      }
    }
    const ordered = [...roots.values()].sort((a, b) => b.base.length - a.base.length);
    return new RouteTable(operations, dedupeShadowed(shadowed), ordered);
  }

  /** The methods some operation takes at `path` (for an error that says what the path does take). */
  methodsAt(path: string): HttpMethod[] {
    return HTTP_METHODS.filter((m) => this.match(m, path)?.headAsGet === false);
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
   * The operation a request is, or undefined when none is. `path` is the request's path without its query,
   * percent-encoded as it arrived; a malformed percent-encoding throws AccessRefused (invalid_request).
   */
  match(method: string, path: string): RouteMatch | undefined {
    const upper = method.toUpperCase();
    const lower = upper.toLowerCase() as HttpMethod;
    if (!(HTTP_METHODS as readonly string[]).includes(lower)) return undefined;
    const segments = requestSegments(path);
    return this.#search(lower, segments, false) ?? this.#lenient(lower, segments);
  }

  #lenient(method: HttpMethod, segments: string[]): RouteMatch | undefined {
    const trimmed =
      segments.length > 0 && segments[segments.length - 1] === "" ? segments.slice(0, -1) : segments;
    const found = this.#search(method, trimmed, true);
    return found ? { ...found, lenient: true } : undefined;
  }

  #search(method: HttpMethod, segments: string[], fold: boolean): RouteMatch | undefined {
    const folded = fold ? segments.map((s) => s.toLowerCase()) : segments;
    const methods: Array<[HttpMethod, boolean]> =
      method === "head"
        ? [
            ["head", false],
            ["get", true],
          ]
        : [[method, false]];
    for (const [wanted, headAsGet] of methods) {
      for (const root of this.#roots) {
        if (!startsWith(folded, fold ? root.foldedBase : root.base)) continue;
        const after = segments.slice(root.base.length);
        // The spec's `/` under a base path `/api` is `/api/` on the wire (and `/api`, its base alone).
        const rest = root.base.length > 0 && after.length === 1 && after[0] === "" ? [] : after;
        const entry = find(root.node, fold ? rest.map((s) => s.toLowerCase()) : rest, 0, wanted, fold);
        if (entry) {
          return {
            operation: entry.operation,
            params: paramsOf(entry, rest, fold),
            basePath: `/${root.base.join("/")}`,
            headAsGet,
            lenient: fold,
          };
        }
      }
    }
    return undefined;
  }
}

function find(
  node: RouteNode,
  segments: string[],
  i: number,
  method: HttpMethod,
  fold: boolean,
): Entry | undefined {
  if (i === segments.length) return node.operations.get(method);
  const segment = segments[i] as string;
  const literals = fold ? (node.folded.get(segment) ?? []) : [node.literal.get(segment)];
  for (const child of literals) {
    const found = child && find(child, segments, i + 1, method, fold);
    if (found) return found;
  }
  for (const m of node.mixed) {
    if (!(fold ? m.segment.folded : m.segment.exact).test(segment)) continue;
    const found = find(m.node, segments, i + 1, method, fold);
    if (found) return found;
  }
  // An expression stands for at least one character: `/users/` is not `/users/{id}` with an empty id.
  if (segment !== "" && node.parameter) return find(node.parameter, segments, i + 1, method, fold);
  return undefined;
}

/** An operation shadowed under several base paths is listed once. */
function dedupeShadowed(list: ShadowedOperation[]): ShadowedOperation[] {
  const byOperation = new Map<RouteOperation, ShadowedOperation>();
  for (const s of list) if (!byOperation.has(s.operation)) byOperation.set(s.operation, s);
  return [...byOperation.values()];
}
