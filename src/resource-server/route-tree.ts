/**
 * The tree of a spec's path templates, one node per segment, and its search, most concrete first: a
 * literal child, then mixed children (more text first), then the expression child; the search goes on to
 * the next alternative when a branch has no operation for the method. Each node is reached by one path
 * only, so a search visits each node at most once, whatever the request.
 *
 * Two readings of a request path use the same tree: the spec's (segments percent-decoded, literals
 * compared case-sensitively) and a router's (Express's default: the raw segments, literals compared
 * case-insensitively). route-table.ts decides between them.
 */
import type { HttpMethod } from "../model/spec-import.ts";
import { type MixedSegment, matchMixed, segmentKey, type TemplateSegment } from "./path-template.ts";
import type { RouteOperation } from "./route-operation.ts";

export interface Entry {
  operation: RouteOperation;
  segments: TemplateSegment[];
}

export type Reading = "spec" | "router";

export class RouteNode {
  readonly literal = new Map<string, RouteNode>();
  /** Literal children by lowercased text: more than one when the spec has `/Users` and `/users`. */
  readonly folded = new Map<string, RouteNode[]>();
  /** Mixed segments in rank order: more literal text first, then spec order. */
  readonly mixed: Array<{ segment: MixedSegment; key: string; node: RouteNode }> = [];
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

export interface Found {
  entry: Entry;
  /** A HEAD request answered by the node's GET operation (it has no HEAD operation). */
  headAsGet: boolean;
}

/**
 * The operation of `method` at a node. HEAD is the node's HEAD operation, else its GET one: a router
 * answers HEAD with the GET handler of the first route that matches, so the fallback is per template.
 */
function operationAt(node: RouteNode, method: HttpMethod): Found | undefined {
  const own = node.operations.get(method);
  if (own) return { entry: own, headAsGet: false };
  if (method !== "head") return undefined;
  const get = node.operations.get("get");
  return get ? { entry: get, headAsGet: true } : undefined;
}

/** `segments` are decoded (spec reading) or raw and lowercased (router reading). */
export function find(
  node: RouteNode,
  segments: readonly string[],
  i: number,
  method: HttpMethod,
  reading: Reading,
): Found | undefined {
  if (i === segments.length) return operationAt(node, method);
  const segment = segments[i] as string;
  const fold = reading === "router";
  const literals = fold ? (node.folded.get(segment) ?? []) : [node.literal.get(segment)];
  for (const child of literals) {
    const found = child && find(child, segments, i + 1, method, reading);
    if (found) return found;
  }
  for (const m of node.mixed) {
    if (!matchMixed(m.segment, segment, fold)) continue;
    const found = find(m.node, segments, i + 1, method, reading);
    if (found) return found;
  }
  // An expression stands for at least one character: `/users/` is not `/users/{id}` with an empty id.
  if (segment !== "" && node.parameter) return find(node.parameter, segments, i + 1, method, reading);
  return undefined;
}
