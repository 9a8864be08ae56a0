/**
 * Bytes → text → value, for one JSON or YAML file, with positions for error messages. JSON is parsed with
 * `JSON.parse`. YAML goes through the fast path first (core/yaml-fast-load.ts: js-yaml's event parser,
 * about ten times faster than the `yaml` package), which reads only what it reads exactly as `yaml` would
 * and declines the rest (errors, anchors and aliases, tags, directives, odd keys); a declined file, or one
 * that is not exactly one non-empty document, is parsed carefully with `yaml`, whose errors and positions
 * are the ones reported. Positions are only computed when an error needs one (a careful parse on first
 * use), so a valid 20 MB spec pays nothing for them.
 */
import { isUtf8 } from "node:buffer";
import type { Document, LineCounter } from "yaml";
import { yaml } from "../core/yaml-careful.ts";
import { fastLoadAll } from "../core/yaml-fast-load.ts";
import { type Position, positionAt, specError } from "./errors.ts";
import type { ReadFile, SpecFormat } from "./files.ts";
import { jsonLocate, jsonSyntaxErrorOffset } from "./json-position.ts";
import type { PathSegment } from "./pointer.ts";

/**
 * yaml's guard against "billion laughs" alias bombs: how many times aliases may be expanded (weighted by
 * the aliases inside what they expand). 100 is yaml's own default; OpenAPI has `$ref` for reuse, so a spec
 * that needs more alias expansions than this is far more likely an attack than a real document.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

export interface ParsedSource {
  /** Absolute path of the file; undefined for a spec that arrived as bytes (see ReadFile). */
  abs: string | undefined;
  rel: string;
  format: SpecFormat;
  text: string;
  value: unknown;
  /**
   * Where the value at `path` starts (with `key`: where its key starts), or the deepest part of `path`
   * that exists in this file. Undefined when the file offers no position.
   */
  locate(path: readonly PathSegment[], options?: { key?: boolean }): Position | undefined;
}

/**
 * Decodes the bytes as UTF-8 text, refusing what is not text: UTF-16/32 (by their byte-order mark), NUL
 * bytes, invalid UTF-8. A UTF-8 byte-order mark is dropped.
 */
export function decodeText(file: ReadFile): string {
  const { bytes, rel } = file;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw specError(rel, "is encoded in UTF-16 or UTF-32; save it as UTF-8", {
      position: { line: 1, column: 1 },
    });
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    // The position of the first NUL helps with a text file that has one stray NUL; cheap on this path.
    const before = bytes.subarray(0, nul);
    const lineStart = before.lastIndexOf(10) + 1;
    let line = 1;
    for (let i = before.indexOf(10); i !== -1; i = before.indexOf(10, i + 1)) line++;
    throw specError(rel, "is a binary file (it contains NUL bytes), not JSON or YAML text", {
      position: { line, column: nul - lineStart + 1 },
    });
  }
  if (!isUtf8(bytes)) {
    throw specError(rel, "is not valid UTF-8 text (it looks like a binary file)");
  }
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw specError(rel, "is empty (it contains only whitespace)");
  return text;
}

export function parseSource(file: ReadFile, text: string): ParsedSource {
  return file.format === "json" ? parseJson(file, text) : parseYaml(file, text);
}

/** V8's messages end with " in JSON at position N" or a quoted excerpt; we print our own position. */
function cleanJsonMessage(message: string): string {
  return (
    message
      .replace(/\s+in JSON at position \d+[\s\S]*$/, "")
      .replace(/,\s*(\.\.\.)?"[\s\S]*"(\.\.\.)?\s+is not valid JSON$/, "")
      .trim()
      // "Unexpected token '<newline>'": show control characters escaped, keep the message on one line.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      .replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1))
  );
}

function parseJson(file: ReadFile, text: string): ParsedSource {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const reported = /at position (\d+)/.exec(message);
    const offset = reported ? Number(reported[1]) : (jsonSyntaxErrorOffset(text) ?? text.length);
    throw specError(file.rel, `is not valid JSON: ${cleanJsonMessage(message)}`, {
      position: positionAt(text, offset),
    });
  }
  return {
    abs: file.abs,
    rel: file.rel,
    format: "json",
    text,
    value,
    locate(path, options) {
      const at = jsonLocate(text, path);
      return positionAt(text, options?.key ? at.keyOffset : at.valueOffset);
    },
  };
}

function parseYaml(file: ReadFile, text: string): ParsedSource {
  // One non-empty document read fast is exactly the value the careful parse below would return. Anything
  // else (several documents, an empty one, whatever the fast path declines) is left to the careful parse,
  // so that its errors keep their messages and positions.
  const fast = fastLoadAll(text);
  if (fast.ok && fast.documents.length === 1 && fast.starts[0] !== -1) {
    return yamlSource(file, text, fast.documents[0]);
  }
  return yamlSource(file, text, parseYamlCarefully(file, text));
}

/** The value of the one document in `text` with `yaml`, or the InputError of its first problem. */
function parseYamlCarefully(file: ReadFile, text: string): unknown {
  const lineCounter = new (yaml().LineCounter)();
  // prettyErrors off: we want yaml's plain sentence and compute the position ourselves.
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const [start, end] = first.pos;
    const position = toPosition(lineCounter.linePos(start));
    let message = first.message;
    if (first.code === "MULTIPLE_DOCS")
      message = "it holds more than one YAML document; a spec is one document";
    if (first.code === "DUPLICATE_KEY")
      message = `the key ${keyAt(text, start, end)} appears twice in one mapping`;
    throw specError(file.rel, `is not valid YAML: ${message}`, { position });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /resource exhaustion/.test(err.message)) {
      throw specError(
        file.rel,
        `expands YAML aliases more than ${MAX_YAML_ALIAS_COUNT} times, which is how alias bombs ("billion laughs") work; use $ref to reuse parts of a spec`,
      );
    }
    if (err instanceof ReferenceError && /Unresolved alias/.test(err.message)) {
      throw specError(file.rel, `is not valid YAML: ${err.message}`, {
        position: firstUnresolvedAlias(doc, lineCounter),
      });
    }
    throw err;
  }
  return value;
}

/**
 * The source of a parsed YAML file. The syntax tree of a large YAML file takes several times the memory of
 * its value; only the text is kept, and `locate` builds the tree if (rarely) an error needs a position.
 */
function yamlSource(file: ReadFile, text: string, value: unknown): ParsedSource {
  let located: { doc: YamlDocument; lineCounter: LineCounter } | undefined;
  return {
    abs: file.abs,
    rel: file.rel,
    format: "yaml",
    text,
    value,
    locate(path, options) {
      if (!located) {
        const again = new (yaml().LineCounter)();
        located = {
          doc: yaml().parseDocument(text, { lineCounter: again, prettyErrors: false }),
          lineCounter: again,
        };
      }
      return locateYaml(located.doc, located.lineCounter, path, options?.key ?? false);
    },
  };
}

/** The key written at `start` (yaml marks only its first character): quoted, or plain up to its `:`. */
function keyAt(text: string, start: number, end: number): string {
  const key = /^(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\n:]+?)(?=[ \t]*:)/.exec(
    text.slice(start, start + 1024),
  );
  return key ? key[0] : text.slice(start, end);
}

/** Where the first alias without an anchor is (yaml's error for it has no position). */
function firstUnresolvedAlias(doc: YamlDocument, lineCounter: LineCounter): Position | undefined {
  let position: Position | undefined;
  yaml().visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc) && node.range) {
        position = toPosition(lineCounter.linePos(node.range[0]));
        return yaml().visit.BREAK;
      }
      return undefined;
    },
  });
  return position;
}

function toPosition(pos: { line: number; col: number }): Position {
  return { line: pos.line, column: pos.col };
}

type YamlDocument = Document.Parsed;

/** Walks the YAML syntax tree along `path` (through aliases) and reports where the deepest hit starts. */
function locateYaml(
  doc: YamlDocument,
  lineCounter: LineCounter,
  path: readonly PathSegment[],
  key: boolean,
): Position | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const segment of path) {
    if (yaml().isAlias(node)) node = node.resolve(doc);
    if (yaml().isMap(node)) {
      let hit: { key: unknown; value: unknown } | undefined;
      for (const pair of node.items) {
        const k = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
        if (String(k) === String(segment)) hit = pair;
      }
      if (!hit) break;
      keyNode = hit.key;
      node = hit.value ?? hit.key;
    } else if (yaml().isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      keyNode = item;
      node = item;
    } else {
      break;
    }
  }
  const target = (key ? (keyNode ?? node) : node) as { range?: [number, number, number] } | null;
  const start = target?.range?.[0];
  return start === undefined ? undefined : toPosition(lineCounter.linePos(start));
}
