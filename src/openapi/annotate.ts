/**
 * `scopectl openapi annotate`'s transform (docs/openapi.md#annotating-a-spec-for-other-validators): a
 * loaded spec → a copy of it with the scopectl OAuth 2.0 security scheme and, on every operation, a
 * `security` requirement naming the scope the import generates for it. Pure: text and a loaded spec in,
 * text out; the names come from the importer's own functions (generateScopes, scopeNameFor), never from
 * a second implementation of the rule.
 *
 * Choices, each for the reason given:
 *   - An operation's own `security` is replaced, not extended: the point of the copy is that every
 *     operation needs its generated scope, and an alternative left beside it (an API key, `[]`) would
 *     let a request in without that scope. What was replaced is reported (`replaced`) so the caller
 *     can say so. The document's top-level `security` is left alone: an operation's own overrides it.
 *   - A path item that is a `$ref` is written inline (its target copied under the path, with the
 *     security added): the scope depends on the path, and one path item may be the target of several
 *     paths, so the security cannot go on the shared target. The target itself stays where it was.
 *   - A spec with `$ref`s to other files is written as the loader bundled it, one self-contained
 *     document: the copy may be written anywhere (`--out`), where the relative `$ref`s would not resolve,
 *     and the validators it is for read one file. Its comments and layout are not kept.
 *   - Schemes of the same name already in the spec (an earlier annotate) are replaced, others kept, so
 *     annotating an annotated spec gives the same copy.
 */
import { isDeepStrictEqual } from "node:util";
import type { HttpMethod } from "../model/spec-import.ts";
import { formatOf, type SpecFormat } from "./files.ts";
import { generateScopes, listOperations } from "./generate.ts";
import type { LoadedSpec } from "./load.ts";
import { scopeNameFor } from "./naming.ts";
import {
  type SchemeTarget,
  type ScopesMap,
  schemeNames,
  schemesLocation,
  securityRequirement,
  securitySchemes,
} from "./security-scheme.ts";
import { plainTree, type SpecTree, yamlTree } from "./spec-tree.ts";
import type { GeneratedScope } from "./types.ts";

export interface AnnotateOptions extends SchemeTarget {
  /** The spec file's text, exactly what the loader read: a YAML spec is edited as text, keeping its comments. */
  text: string;
  /** The format to write; the spec's own unless told otherwise. */
  format?: SpecFormat;
}

export interface AnnotatedOperation {
  method: HttpMethod;
  /** As written in the spec. */
  path: string;
  /** `scopeNameFor(method, path)`: what its `security` now names. */
  scope: string;
  /** The operation's own `security` before, when it had one other than what it now has. */
  replaced?: unknown;
}

export interface AnnotatedSpec {
  text: string;
  format: SpecFormat;
  /** The scheme names written, as the validator's security handlers are keyed. */
  schemes: string[];
  /** The scopes map of the schemes: each generated scope once, in spec order, described as the import does. */
  scopes: GeneratedScope[];
  /** Every operation, in spec order. */
  operations: AnnotatedOperation[];
  /** Paths whose path item was a `$ref` and is now written inline. */
  inlined: string[];
  /** The spec had `$ref`s to other files: the copy is the loader's bundle, one document. */
  bundled: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function treeOf(spec: LoadedSpec, text: string, sourceFormat: SpecFormat, bundled: boolean): SpecTree {
  if (bundled) return plainTree(spec.doc);
  if (sourceFormat === "yaml") return yamlTree(text);
  return plainTree(JSON.parse(text) as Record<string, unknown>, text);
}

export function annotateSpec(spec: LoadedSpec, options: AnnotateOptions): AnnotatedSpec {
  const sourceFormat = formatOf(spec.file.path);
  if (!sourceFormat) throw new TypeError(`annotateSpec: ${spec.file.path} has no spec extension`);
  // The spec is the first file read; any other is a file its `$ref`s reach.
  const bundled = spec.filesRead.length > 1;
  const tree = treeOf(spec, options.text, sourceFormat, bundled);
  const target = { api: options.api, server: options.server };

  const { scopes } = generateScopes(spec.paths);
  const scopesMap: ScopesMap = Object.fromEntries(scopes.map((s) => [s.name, s.description]));
  for (const [name, scheme] of Object.entries(securitySchemes(spec.kind, target, scopesMap))) {
    tree.set([...schemesLocation(spec.kind), name], scheme);
  }

  const operations: AnnotatedOperation[] = [];
  const inlined: string[] = [];
  // listOperations gives them grouped by path, in spec order: one path item at a time.
  const byPath = new Map<string, Array<{ method: HttpMethod; operation: unknown }>>();
  for (const { method, path, operation } of listOperations(spec.paths)) {
    const list = byPath.get(path) ?? [];
    list.push({ method, operation });
    byPath.set(path, list);
  }
  for (const [path, ops] of byPath) {
    const isRef = tree.isRef(["paths", path]);
    const item: Record<string, unknown> = isRef ? { ...(spec.paths[path] as Record<string, unknown>) } : {};
    for (const { method, operation } of ops) {
      const scope = scopeNameFor(method, path);
      if (!(scope in scopesMap)) {
        // generateScopes leaves a name out only when it is reserved, and no generated name can be.
        throw new Error(`annotateSpec: ${scope} is not among the generated scopes`);
      }
      const security = securityRequirement(spec.kind, options.api, scope);
      const before = isRecord(operation) ? operation.security : undefined;
      const replaced = before !== undefined && !isDeepStrictEqual(before, security);
      operations.push({ method, path, scope, ...(replaced ? { replaced: before } : {}) });
      if (isRef) item[method] = { ...(isRecord(operation) ? operation : {}), security };
      else tree.set(["paths", path, method, "security"], security);
    }
    if (isRef) {
      tree.set(["paths", path], item);
      inlined.push(path);
    }
  }

  const format = options.format ?? sourceFormat;
  return {
    text: tree.print(format),
    format,
    schemes: schemeNames(spec.kind, options.api),
    scopes,
    operations,
    inlined,
    bundled,
  };
}
