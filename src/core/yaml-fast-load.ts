/**
 * The fast path for YAML: js-yaml's event parser and constructor (about ten times faster than the
 * `yaml` package's document model), used only when it is sure to produce exactly the value the careful
 * parse (`yaml`, with positions) would produce. Anything it cannot promise that for is declined, and the
 * caller parses the text carefully instead, which reports every problem with its line and column exactly
 * as before. So errors stay as precise as ever, and only clean files (nearly all of them) go fast.
 *
 * Declined (the careful parse decides, and for most of these refuses):
 * - any syntax error, a duplicate key, nesting deeper than js-yaml's limit;
 * - an anchor or an alias: aliases are rare in manifests and specs, and the careful parse is the one
 *   that bounds their expansion (alias bombs) and names an unknown one;
 * - an explicit tag (`!!str`, `!foo`) or a `%YAML`/`%TAG` directive: tag handling is where the two
 *   parsers differ, and a `%YAML 1.1` document changes the meaning of plain scalars;
 * - a key that is a map or a list, or a plain key whose core-schema value would not print back as its
 *   text (`~`, `True`, `0x1F`, `007`, `1.0`): js-yaml turns such a key into the string of its value,
 *   the careful parse keeps its text (or, for null, an empty string);
 * - a key that could reach a prototype: `__proto__`, `constructor`, `prototype`.
 *
 * Plain scalars resolve by js-yaml's CORE_SCHEMA, which is YAML 1.2's core schema, as `yaml`'s default
 * is; test/core/yaml-fast-load*.test.ts holds the two parsers to the same values.
 */
import {
  CORE_SCHEMA,
  constructFromEvents,
  EVENT_ID,
  type Event,
  getScalarValue,
  parseEvents,
  SCALAR_STYLE,
} from "js-yaml";

export type FastLoad =
  | {
      ok: true;
      documents: unknown[];
      /**
       * Per document, the offset where its first node starts, or -1 if empty. For a map or a list this is
       * where `yaml` places the node too (a block scalar starts at its value here, at its `|` there).
       */
      starts: number[];
    }
  /** `reason`: why the careful parse must decide (for tests and debugging, never shown to users). */
  | { ok: false; reason: string };

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

// YAML 1.2 core schema patterns (the spec's tag resolution table, as `yaml` implements it).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_OCT_HEX = /^0o[0-7]+$|^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Whether a plain scalar used as a key becomes the same string in both parsers: the text itself, or a
 * non-string core value that prints back as exactly that text (`200`, `true`, `1.5`).
 */
function plainKeyIsExact(text: string): boolean {
  const c = text.charCodeAt(0);
  // Only these first characters can start a null, bool, int or float (or the empty key).
  const maybeTyped =
    text.length === 0 ||
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x7e || // ~
    "nNtTfF".includes(text[0] as string);
  if (!maybeTyped) return true;
  if (NULL.test(text)) return false;
  if (BOOL.test(text)) return text === "true" || text === "false";
  if (INT_DEC.test(text)) return String(Number.parseInt(text, 10)) === text;
  if (INT_OCT_HEX.test(text) || FLOAT_SPECIAL.test(text)) return false;
  if (FLOAT.test(text)) return String(Number.parseFloat(text)) === text;
  return true;
}

/**
 * The first reason the careful parse must decide, if any, walking the events once; records where each
 * document's first node starts on the way.
 */
function declineReason(text: string, events: readonly Event[], starts: number[]): string | undefined {
  // For each open collection: -1 for a sequence, else the number of a mapping's children so far
  // (even: the next child is a key).
  const open: number[] = [];
  const isKey = (): boolean => {
    const top = open.length - 1;
    const children = open[top];
    if (children === undefined || children < 0) return false;
    open[top] = children + 1;
    return children % 2 === 0;
  };
  let documentStart = false;
  for (const event of events) {
    if (documentStart) {
      documentStart = false;
      const start = event.type === EVENT_ID.SCALAR ? event.valueStart : "start" in event ? event.start : -1;
      starts.push(event.type === EVENT_ID.POP ? -1 : start);
    }
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if (event.directives.length > 0) return "a %YAML or %TAG directive";
        open.push(-1);
        documentStart = true;
        break;
      case EVENT_ID.POP:
        open.pop();
        break;
      case EVENT_ID.ALIAS:
        return "an alias";
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        if (event.anchorStart !== -1) return "an anchor";
        if (event.tagStart !== -1) return "an explicit tag";
        if (isKey()) return "a key that is a map or a list";
        open.push(event.type === EVENT_ID.MAPPING ? 0 : -1);
        break;
      case EVENT_ID.SCALAR: {
        if (event.anchorStart !== -1) return "an anchor";
        if (event.tagStart !== -1) return "an explicit tag";
        if (!isKey()) break;
        const plain = event.style === SCALAR_STYLE.PLAIN;
        const key =
          plain && event.fast ? text.slice(event.valueStart, event.valueEnd) : getScalarValue(text, event);
        if (FORBIDDEN_KEYS.has(key)) return `the key ${key}`;
        if (plain && !plainKeyIsExact(key)) return "a plain key that is not a string";
        break;
      }
    }
  }
  return undefined;
}

/**
 * Every document of `text` as plain data (null for an empty document), or the reason the careful parse
 * must decide. Never throws for any input.
 */
export function fastLoadAll(text: string): FastLoad {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (err) {
    return { ok: false, reason: `js-yaml: ${(err as Error).message}` };
  }
  const starts: number[] = [];
  const reason = declineReason(text, events, starts);
  if (reason !== undefined) return { ok: false, reason };
  try {
    const documents = constructFromEvents(events, { source: text, schema: CORE_SCHEMA });
    return { ok: true, documents, starts };
  } catch (err) {
    return { ok: false, reason: `js-yaml: ${(err as Error).message}` };
  }
}
