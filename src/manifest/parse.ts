/**
 * One YAML file's text → its documents, each as plain data with a locator. Everything that makes a file
 * unusable as YAML is reported by the careful parse here, with its position: syntax errors, duplicate keys, unknown tags,
 * non-string keys, keys that could tamper with JavaScript prototypes, alias bombs, empty files.
 */

import { isDeepStrictEqual } from "node:util";
import type { Document, YAMLError } from "yaml";
import { yaml } from "../core/yaml-careful.ts";
import type { Diagnostic } from "../model/diagnostics.ts";
import { diagnosticAt } from "./diagnostics.ts";
import type { ParsedDocument, Place } from "./documents.ts";
import { keyString, makeLocator } from "./locate.ts";
import { parseFast } from "./parse-fast.ts";

/**
 * Alias expansions allowed per document (yaml's count: uses of an anchor × the aliases nested inside it).
 * Manifests rarely need aliases at all; a low limit stops a "billion laughs" document long before it
 * costs memory, while leaving room to share a list of scopes between a few roles.
 */
export const MAX_ALIAS_COUNT = 50;

/** Keys that would reach `Object.prototype` or a constructor if the data were ever merged naively. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Origin = Omit<Place, "line" | "column">;

export interface ParsedText {
  role: "manifest" | "spec";
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

/** `---` with nothing after it (a trailing separator) is an empty document: nothing to load. */
function isEmptyDocument(doc: Document.Parsed): boolean {
  return doc.contents === null || (yaml().isScalar(doc.contents) && doc.contents.value === null);
}

/**
 * A YAML file is an OpenAPI spec when it holds exactly one (non-empty) document, a map with a top-level
 * `openapi` or `swagger` key and neither `apiVersion` nor `kind`. Anything else is read as manifests, so
 * that a stray key, or a spec document glued before manifests, is an error rather than a whole file
 * skipped without a word (spec-sniff.ts says "spec" early only when this rule surely holds).
 */
function isSpecFile(docs: readonly Document.Parsed[]): boolean {
  const documents = docs.filter((doc) => !isEmptyDocument(doc));
  const doc = documents[0];
  if (documents.length !== 1 || !doc || !yaml().isMap(doc.contents)) return false;
  const keys = new Set(doc.contents.items.map((pair) => keyString(pair.key)));
  return (keys.has("openapi") || keys.has("swagger")) && !keys.has("apiVersion") && !keys.has("kind");
}

/** The key that starts at `offset` (a duplicate key error gives only the key's position). */
function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  yaml().visit(doc, {
    Pair(_, pair) {
      if ((pair.key as { range?: [number] } | null)?.range?.[0] === offset) {
        found = keyString(pair.key);
        return yaml().visit.BREAK;
      }
    },
  });
  return found;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function yamlErrorMessage(error: YAMLError, doc: Document.Parsed): string {
  switch (error.code) {
    case "DUPLICATE_KEY": {
      const key = keyAt(doc, error.pos[0]);
      const shown = key === undefined ? "" : ` ${JSON.stringify(shorten(key))}`;
      return `duplicate key${shown}: a key may appear only once in a map`;
    }
    case "NON_STRING_KEY":
      return "a map key must be a plain string, not a list or a map";
    case "TAG_RESOLVE_FAILED":
      return `unsupported YAML tag (${error.message.replace(/^Unresolved tag:\s*/, "")}): manifests use plain YAML values`;
    default:
      return `YAML syntax error: ${error.message}`;
  }
}

/**
 * One file's text → its documents. The fast path (parse-fast.ts) reads nearly every clean file; the
 * careful parse below reads the rest, and is the one that reports every problem, with its position.
 */
export function parseManifestText(text: string, origin: Origin): ParsedText {
  const fast = parseFast(text, origin, () => parseCarefully(text, origin).documents.map((d) => d.locate));
  if (!fast) return parseCarefully(text, origin);
  // The tests' cross-check (SCOPECTL_YAML_CROSSCHECK=1, set by `npm run test:unit`): every file the fast
  // path read is read carefully too, and must give the same role, documents and document places.
  if (process.env.SCOPECTL_YAML_CROSSCHECK === "1") {
    const careful = parseCarefully(text, origin);
    const shape = (p: ParsedText | typeof fast) =>
      p.documents.map((d) => [d.value, d.index, d.place.line, d.place.column]);
    const problem =
      careful.diagnostics[0]?.message ??
      (careful.role !== fast.role ? `read as a ${careful.role}, not a ${fast.role}` : undefined) ??
      (isDeepStrictEqual(shape(careful), shape(fast)) ? undefined : "other documents or places");
    if (problem !== undefined)
      throw new Error(
        `YAML cross-check: the fast path read ${origin.file}, the careful parse differs: ${problem}`,
      );
  }
  return { ...fast, diagnostics: [] };
}

/** The careful parse: `yaml`'s document model, with every check and the position of every node. */
export function parseCarefully(text: string, origin: Origin): ParsedText {
  const lineCounter = new (yaml().LineCounter)();
  const diagnostics: Diagnostic[] = [];
  const placeAt = (offset: number | undefined): Place => {
    if (offset === undefined) return { ...origin };
    const { line, col } = lineCounter.linePos(offset);
    return { ...origin, line, column: col };
  };

  // uniqueKeys: a duplicate key is an error, not "the last one wins". stringKeys: `? [a]: 1` is an error,
  // not a key silently stringified. prettyErrors off: we place errors ourselves, in our format.
  const docs = yaml().parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    stringKeys: true,
    prettyErrors: false,
    strict: true,
  });

  if (isSpecFile(docs)) return { role: "spec", documents: [], diagnostics };

  const documents: ParsedDocument[] = [];
  docs.forEach((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      for (const problem of problems)
        diagnostics.push(diagnosticAt(placeAt(problem.pos[0]), yamlErrorMessage(problem, doc)));
      return;
    }
    if (isEmptyDocument(doc)) return;

    let forbidden = false;
    let firstAlias: number | undefined;
    let unresolved: { name: string; offset: number | undefined } | undefined;
    yaml().visit(doc, {
      Pair(_, pair) {
        const key = yaml().isPair(pair) ? keyString(pair.key) : undefined;
        if (key !== undefined && FORBIDDEN_KEYS.has(key)) {
          forbidden = true;
          diagnostics.push(
            diagnosticAt(
              placeAt((pair.key as { range?: [number] }).range?.[0]),
              `the key "${key}" is not allowed: it could tamper with JavaScript object prototypes`,
            ),
          );
        }
      },
      Alias(_, node) {
        if (!yaml().isAlias(node)) return;
        firstAlias ??= node.range?.[0];
        if (!unresolved && node.resolve(doc) === undefined)
          unresolved = { name: node.source, offset: node.range?.[0] };
      },
    });
    if (forbidden) return;
    if (unresolved) {
      diagnostics.push(
        diagnosticAt(
          placeAt(unresolved.offset),
          `unknown YAML alias *${unresolved.name}: an alias needs an anchor &${unresolved.name} before it in the same document`,
        ),
      );
      return;
    }

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      diagnostics.push(
        diagnosticAt(
          placeAt(firstAlias ?? doc.contents?.range?.[0]),
          message.startsWith("Excessive alias count")
            ? `YAML aliases in this document expand too much (more than ${MAX_ALIAS_COUNT} expansions): refusing a possible alias bomb`
            : `YAML error: ${message}`,
        ),
      );
      return;
    }

    const locate = makeLocator(doc, lineCounter, origin);
    documents.push({ value, place: locate([]), locate, index });
  });

  const failed = diagnostics.length > 0;
  if (documents.length === 0 && !failed) {
    diagnostics.push(
      diagnosticAt(
        { ...origin },
        text.trim() === ""
          ? "the file is empty"
          : "the file has no YAML documents (only comments or empty documents)",
      ),
    );
  }
  return { role: "manifest", documents, diagnostics };
}
