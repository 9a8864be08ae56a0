/**
 * From the operations under `paths` to scopes and the import log (docs/openapi.md). Pure: the same paths and
 * manual scopes give the same result, in the order the spec lists its paths and, within a path item, its
 * methods (the order a reader of the spec sees).
 */
import { isReservedScopeName } from "../model/names.ts";
import { HTTP_METHODS, type HttpMethod, type ImportLogEntry, type Operation } from "../model/spec-import.ts";
import { normalizePath, scopeNameFromNormalized } from "./naming.ts";
import type { GeneratedScope } from "./types.ts";

export interface GenerateOptions {
  /** Names the Api already lists manually: operations that normalize to one are logged as duplicates. */
  manualScopes?: ReadonlySet<string>;
  /** Which names are reserved; the model's rule (openid, profile, …) unless told otherwise. */
  isReserved?: (name: string) => boolean;
}

export interface Generated {
  scopes: GeneratedScope[];
  log: ImportLogEntry[];
}

const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** The operation's `summary`, else its `operationId`, else `METHOD path` as written (`GET /users/{userId}`). */
export function describeOperation(method: HttpMethod, path: string, operation: unknown): string {
  const op = (operation ?? {}) as { summary?: unknown; operationId?: unknown };
  return nonEmpty(op.summary) ?? nonEmpty(op.operationId) ?? `${method.toUpperCase()} ${path}`;
}

/**
 * Lists the operations of `paths` in spec order: for each path, its keys that are one of the eight
 * methods. Other keys of a path item (`parameters`, `summary`, `description`, `servers`, `x-…`) are not
 * operations. Path items that were `$ref`s must already be resolved (load.ts does it).
 */
export function listOperations(paths: Record<string, unknown>): Array<Operation & { operation: unknown }> {
  const out: Array<Operation & { operation: unknown }> = [];
  for (const path of Object.keys(paths)) {
    const item = paths[path];
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    for (const key of Object.keys(item)) {
      if (METHODS.has(key)) {
        out.push({ method: key as HttpMethod, path, operation: (item as Record<string, unknown>)[key] });
      }
    }
  }
  return out;
}

/**
 * One scope per operation, except:
 *   - a reserved name (openid, profile, …) is skipped. A generated name always has the form
 *     `method:path`, and no reserved name contains `:`, so this cannot happen today; the check stays
 *     because "reserved names are never created" is the rule, whatever produces the name;
 *   - a name the Api lists manually is a duplicate of the manual scope: the manual scope is kept;
 *   - a name an earlier operation of this spec already produced (`/a-b` and `/a_b`) is a duplicate of that
 *     operation: the first one keeps the scope.
 */
export function generateScopes(paths: Record<string, unknown>, options: GenerateOptions = {}): Generated {
  const manual = options.manualScopes ?? new Set<string>();
  const isReserved = options.isReserved ?? isReservedScopeName;
  const firstByName = new Map<string, Operation>();
  const scopes: GeneratedScope[] = [];
  const log: ImportLogEntry[] = [];
  let lastPath: string | undefined;
  let normalized = "";
  for (const { method, path, operation } of listOperations(paths)) {
    // Operations come grouped by path: normalize each path once, not once per method.
    if (path !== lastPath) {
      normalized = normalizePath(path);
      lastPath = path;
    }
    const scope = scopeNameFromNormalized(method, normalized);
    if (isReserved(scope)) {
      log.push({ action: "skipped-reserved", scope, method, path });
      continue;
    }
    if (manual.has(scope)) {
      log.push({ action: "duplicate", scope, duplicateOf: { manual: true }, method, path });
      continue;
    }
    const first = firstByName.get(scope);
    if (first) {
      log.push({
        action: "duplicate",
        scope,
        duplicateOf: { method: first.method, path: first.path },
        method,
        path,
      });
      continue;
    }
    firstByName.set(scope, { method, path });
    scopes.push({ name: scope, description: describeOperation(method, path, operation), method, path });
    log.push({ action: "created", scope, method, path });
  }
  return { scopes, log };
}
