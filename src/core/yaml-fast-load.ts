/**
 * The fast path for YAML: js-yaml 4 (5 to 10 times faster than the `yaml` package's document model, and
 * 2 to 3 times faster than js-yaml 5's event parser on our files; docs/benchmarks.md), used only when it
 * is sure to produce exactly the value the careful parse (`yaml`, with positions) would produce. Anything
 * it cannot promise that for is declined, and the caller parses the text carefully instead, which
 * reports every problem with its line and column exactly as before. So errors stay as precise as ever,
 * and only clean files (nearly all of them) go fast.
 *
 * Declined (the careful parse decides, and for most of these refuses):
 * - any js-yaml error: syntax, a duplicate key, an unknown tag, nesting deeper than js-yaml's limit;
 * - an anchor (so also any alias): aliases are rare in manifests and specs, and the careful parse is the
 *   one that bounds their expansion (alias bombs). js-yaml would share the anchored object instead of
 *   copying it, cheap here but exponential for whoever walks the result;
 * - an explicit tag (`!!str`, `!foo`) or a `%YAML` directive: tag handling is where the two parsers
 *   differ, and a `%YAML 1.1` document changes the meaning of plain scalars;
 * - a key that is a map or a list, or a plain key whose core-schema value would not print back as its
 *   text (`~`, `True`, `0x1F`, `007`, `1.0`): js-yaml turns such a key into the string of its value,
 *   the careful parses keep its text (or, for null, an empty string);
 * - a key that could reach a prototype: `__proto__`, `constructor`, `prototype`;
 * - an implicit key over 1000 characters (YAML's limit is 1024; js-yaml has none);
 * - what the property test (test/core/yaml-fast-load.property.test.ts) found js-yaml reading otherwise
 *   than `yaml`, or accepting where `yaml` refuses, each with its comment here or in yaml-fast-text.ts:
 *   a byte order mark, a lone CR, `---a` and `... x`, an unknown directive or deficient indentation, a
 *   comment with no space before it, flow collections and quoted scalars indented too little, an
 *   escaped line break before an empty line, block scalars at the top or with blank lines counted
 *   differently, an empty list entry before a line indented less, a block collection on the line of
 *   `---`, and a text of comments only.
 *
 * Plain scalars resolve by YAML 1.2's core schema, the careful parse's default, with the same patterns
 * and conversions (below); test/core/yaml-fast-load*.test.ts holds the two parsers to the same values.
 */
import jsYaml, { type State } from "js-yaml";
import {
  blockScalarBlanksAgree,
  columnOf,
  continuationIndented,
  spansLineIndentedLess,
  textReason,
} from "./yaml-fast-text.ts";

export type FastLoad =
  | {
      ok: true;
      documents: unknown[];
      /**
       * Per document, the offset where its first node starts, or -1 if empty. For a map or a list this is
       * where `yaml` places the node too (a block scalar starts at its value here, at its `|` there).
       */
      starts: number[];
      /** Per document, the 1-based line and column of `starts` (as yaml's LineCounter counts them). */
      positions: { line: number; column: number }[];
    }
  /** `reason`: why the careful parse must decide (for tests and debugging, never shown to users). */
  | { ok: false; reason: string };

/** The parser state js-yaml hands its listener (its typings list only part of it). */
interface ParserState extends State {
  depth: number;
  anchor: string | null;
}

const FORBIDDEN_KEYS = ["__proto__", "constructor", "prototype"] as const;

// YAML 1.2 core schema: the spec's tag resolution table, with the conversions `yaml` applies.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

function scalarType(tag: string, resolve: (text: string) => boolean, construct: (text: string) => unknown) {
  return new jsYaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (text: string | null) => resolve(text ?? ""),
    construct: (text: string | null) => construct(text ?? ""),
  });
}

/**
 * Whether a plain scalar's first character can start a number (a digit, `+`, `-`, `.`): every plain
 * scalar is tried against each type, and most are words, which this turns away before any pattern.
 */
function mayBeNumber(t: string): boolean {
  const c = t.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

const CORE_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalarType(
      "null",
      (t) => (t.length === 0 || "~nN".includes(t[0] as string)) && NULL.test(t),
      () => null,
    ),
    scalarType(
      "bool",
      (t) => "tTfF".includes(t[0] as string) && BOOL.test(t),
      (t) => t[0] === "t" || t[0] === "T",
    ),
    scalarType(
      "int",
      (t) => mayBeNumber(t) && (INT_DEC.test(t) || INT_OCT.test(t) || INT_HEX.test(t)),
      (t) =>
        INT_OCT.test(t)
          ? Number.parseInt(t.slice(2), 8)
          : INT_HEX.test(t)
            ? Number.parseInt(t.slice(2), 16)
            : Number.parseInt(t, 10),
    ),
    scalarType(
      "float",
      (t) => mayBeNumber(t) && (FLOAT_SPECIAL.test(t) || (FLOAT.test(t) && !INT_DEC.test(t))),
      (t) => {
        if (!FLOAT_SPECIAL.test(t)) return Number.parseFloat(t);
        if (t.slice(-3).toLowerCase() === "nan") return Number.NaN;
        return t[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      },
    ),
  ],
});

/**
 * Whether a scalar used as a key becomes the same string in every parse: a string, or a non-string core
 * value that prints back as exactly its text (`200`, `true`, `1.5`). `text` is what the source holds.
 */
function keyIsExact(value: unknown, text: string): boolean {
  if (value === null) return false; // `~:` or `null:`: "null" here, "" or the text in the careful parses
  return String(value) === text;
}

class Decline extends Error {}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/** The offset of the next character that is not white space, a line break or a comment. */
function skipBlank(input: string, from: number): number {
  let p = from;
  for (;;) {
    const c = input.charCodeAt(p);
    if (c === SPACE || c === TAB || c === LF || c === CR) p++;
    else if (c === HASH) {
      const eol = input.indexOf("\n", p);
      if (eol === -1) return input.length;
      p = eol + 1;
    } else return p;
  }
}

/** The offset of the last character before `from` that is not white space or a line break, or -1. */
function previousNonBlank(input: string, from: number): number {
  let p = from - 1;
  for (;;) {
    const c = input.charCodeAt(p);
    if (c === SPACE || c === TAB || c === LF || c === CR) p--;
    else return p;
  }
}

const COLON = 0x3a;
const COMMA = 0x2c;
const QUESTION = 0x3f;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;

/** What a node is, as far as its first character tells: a flow map, a flow list, or anything else. */
const FLOW_MAP = 1;
const FLOW_SEQ = 2;
const OTHER = 0;

/**
 * Whether the node that spans `start` to `end` is a mapping key: followed by `:` (an implicit key, or
 * an explicit `? key`'s value indicator on a later line), after or before a `?` (explicit keys, also
 * without a value), or, in a flow map, an entry without a value (`{a, b: 1}`: after `{` or `,`,
 * before `,` or `}`). A flow map's values follow a `:`, a flow list's items are never keys unless a
 * `:` follows (`[a: 1]`). Errs only on the side of "a key", which costs speed, never a value.
 */
function isKey(input: string, start: number, end: number, parent: number): boolean {
  const next = input.charCodeAt(skipBlank(input, end));
  if (next === COLON || next === QUESTION) return true;
  const previous = input.charCodeAt(previousNonBlank(input, start));
  if (previous === QUESTION) return true;
  return parent === FLOW_MAP && previous !== COLON && (next === COMMA || next === CLOSE_BRACE);
}

/**
 * YAML allows an implicit key of at most 1024 characters; js-yaml has no such limit. Keys this long are
 * left to the careful parse, which refuses them.
 */
const LONG_KEY = 1000;

/**
 * An explicit key (`?`) whose node starts on a later line, after a comment: the one spelling where
 * `isKey` could not see the `?` (it does not read comments backwards). Such a text is read carefully.
 */
const EXPLICIT_KEY_ON_A_LATER_LINE = /(?:^|[ \t])\?[ \t]*(?:#|\r?\n)/m;

/**
 * Line and column of `offset`, from the line js-yaml is on (it counts lines as it reads; the root node
 * usually opens where it starts, else a few lines of blanks or comments below).
 */
function positionOf(state: State, offset: number): { line: number; column: number } {
  let line = state.line + 1;
  let lineStart = state.lineStart;
  for (
    let nl = state.input.indexOf("\n", lineStart);
    nl !== -1 && nl < offset;
    nl = state.input.indexOf("\n", nl + 1)
  ) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Every document of `text` as plain data (null for an empty document), or the reason the careful parse
 * must decide. Never throws for any input.
 */
export function fastLoadAll(text: string): FastLoad {
  const starts: number[] = [];
  const positions: { line: number; column: number }[] = [];
  if (EXPLICIT_KEY_ON_A_LATER_LINE.test(text))
    return { ok: false, reason: "an explicit key after a comment" };
  const early = textReason(text);
  if (early !== undefined) return { ok: false, reason: early };
  // The nodes open now, innermost last: where each starts and what its first character says it is.
  const openStarts: number[] = [];
  const openKinds: number[] = [];
  const listener = (event: "open" | "close", raw: State): void => {
    const state = raw as ParserState;
    const { input } = state;
    if (event === "open") {
      const nodeStart = skipBlank(input, state.position);
      const c = input.charCodeAt(nodeStart);
      openStarts.push(nodeStart);
      openKinds.push(c === OPEN_BRACE ? FLOW_MAP : c === OPEN_BRACKET ? FLOW_SEQ : OTHER);
      if (state.depth === 1) {
        if (state.version !== null) throw new Decline("a %YAML directive");
        starts.push(nodeStart);
        positions.push(positionOf(state, nodeStart));
      }
      // A node's properties come first: `!` starts a tag, `&` an anchor (`*`, an alias, needs one).
      if (c === 0x21) throw new Decline("an explicit tag");
      if (c === 0x26) throw new Decline("an anchor");
      return;
    }
    const start = openStarts.pop() ?? 0;
    openKinds.pop();
    if (state.anchor !== null) throw new Decline("an anchor");
    const { result, kind } = state;
    const first = input.charCodeAt(start);
    if (kind === "scalar" && (first === 0x7c || first === 0x3e)) {
      // `|1` at the top: js-yaml indents its text one less than `yaml` does. No manifest or spec is a
      // block scalar, so every one at the top is declined.
      if (state.depth === 1) throw new Decline("a document that is a block scalar");
      if (!blockScalarBlanksAgree(input, start, state.position))
        throw new Decline("a block scalar's blank lines");
    }
    // `-\n - \n- b`: after an empty entry (`-` and a line break) js-yaml goes on with the list even on a
    // line indented less, so `- b` joins the inner list. Such a list, with a null in it, spans a line of
    // text indented less than its `-` (no line of a good one does).
    if (kind === "sequence" && first === 0x2d && Array.isArray(result) && result.includes(null)) {
      const column = columnOf(input, start);
      if (column > 0 && spansLineIndentedLess(input, start, state.position, column))
        throw new Decline("an empty list entry before a line indented less");
    }
    // `--- a: 1`: `yaml` refuses a block collection on the line of `---`, js-yaml does not.
    if (
      state.depth === 1 &&
      first !== OPEN_BRACE &&
      first !== OPEN_BRACKET &&
      (kind === "mapping" || kind === "sequence")
    ) {
      if (input.startsWith("---", start - columnOf(input, start)))
        throw new Decline("a block collection on the line of ---");
    }
    // A flow collection, or a quoted scalar (a block map whose first key is quoted starts with a quote
    // too: `kind` tells them apart).
    const flow = (first === OPEN_BRACE || first === OPEN_BRACKET) && kind !== "scalar";
    if (flow || (kind === "scalar" && (first === 0x22 || first === 0x27))) {
      // `"a"#c`: `yaml` wants a space before a comment, js-yaml does not.
      if (input.charCodeAt(state.position) === HASH) throw new Decline("a comment right after a node");
      const nl = input.indexOf("\n", start);
      if (nl !== -1 && nl < state.position) {
        // An escaped line break followed by empty lines: js-yaml drops the empty lines, `yaml` keeps some.
        if (first === 0x22 && /\\\r?\n[ \t]*\r?\n/.test(input.slice(start, state.position)))
          throw new Decline("an escaped line break before an empty line");
        // The outermost such node in a block collection (a block collection is never inside a flow one):
        // its lines must be indented more than that collection, whose start is its column. Open nodes
        // that start where this one does are not it: js-yaml reads a node in a node of its own while it
        // tries whether the node is a block map's first key.
        let p = openStarts.length - 1;
        while (p >= 0 && openStarts[p] === start) p--;
        const parent = openStarts[p];
        if (parent !== undefined && openKinds[p] === OTHER) {
          if (!continuationIndented(input, nl, state.position, columnOf(input, parent)))
            throw new Decline("a line of a flow collection or quoted scalar indented too little");
        }
      }
    }
    if (kind === "mapping" && result !== null && typeof result === "object") {
      for (const key of FORBIDDEN_KEYS) if (Object.hasOwn(result, key)) throw new Decline(`the key ${key}`);
    }
    const end = state.position;
    if (typeof result === "string" || result === undefined) {
      if (end - start > LONG_KEY && isKey(input, start, end, openKinds.at(-1) ?? OTHER))
        throw new Decline("a key over 1000 characters");
      return;
    }
    if (!isKey(input, start, end, openKinds.at(-1) ?? OTHER)) return;
    if (kind !== "scalar") throw new Decline("a key that is a map or a list");
    if (!keyIsExact(result, input.slice(start, end).trimEnd()))
      throw new Decline("a plain key that is not a string");
  };
  try {
    const onWarning = (warning: Error): void => {
      // An unknown directive (`%FOO`), which `yaml` warns of too, or "deficient indentation" (a flow
      // collection's line indented no more than its block collection, `key: [a,\nb]`), which it refuses.
      throw new Decline(`js-yaml: ${warning.message}`);
    };
    const documents = jsYaml.loadAll(text, undefined, {
      schema: CORE_SCHEMA,
      listener,
      onWarning,
    }) as unknown[];
    // Only comments: one empty document here, none in `yaml`.
    if (documents.length > 0 && documents.every((d) => d === null || d === undefined))
      return { ok: false, reason: "no document with content" };
    // An empty document opens no node in some spellings; its start is then unknown.
    if (starts.length !== documents.length) return { ok: false, reason: "documents without a start" };
    for (const [i, doc] of documents.entries()) if (doc === null || doc === undefined) starts[i] = -1;
    return { ok: true, documents: documents.map((d) => (d === undefined ? null : d)), starts, positions };
  } catch (err) {
    if (err instanceof Decline) return { ok: false, reason: err.message };
    return { ok: false, reason: `js-yaml: ${(err as Error).message}` };
  }
}
