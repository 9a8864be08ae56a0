/**
 * Positions in JSON text, computed only when something is wrong. The fast path parses with `JSON.parse`
 * (no positions, but several times faster than any JS parser); when we must point at a place, we scan
 * the text again here. Two questions: where is the first syntax error (V8 omits the offset from some
 * messages, e.g. "Unexpected token 'x', ... is not valid JSON"), and where does the value at a given
 * path start (for `__proto__` keys, bad `$ref`s and schema errors in a file that parsed fine).
 */
import type { PathSegment } from "./pointer.ts";

enum Ch {
  Tab = 9,
  Newline = 10,
  Return = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  UpperE = 69,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  LowerE = 101,
  OpenBrace = 123,
  CloseBrace = 125,
}

function skipWhitespace(text: string, i: number): number {
  let j = i;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === Ch.Space || c === Ch.Newline || c === Ch.Return || c === Ch.Tab) j++;
    else return j;
  }
}

const isDigit = (c: number): boolean => c >= Ch.Zero && c <= Ch.Nine;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Scans a string starting at its opening quote; returns the index after the closing quote, or ~errorOffset. */
function scanString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return ~text.length;
    const c = text.charCodeAt(i);
    if (c === Ch.Quote) return i + 1;
    if (c < 0x20) return ~i;
    if (c === Ch.Backslash) {
      const e = text.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) return ~(i + k);
        i += 6;
      } else if ('"\\/bfnrt'.includes(text.charAt(i + 1)) && i + 1 < text.length) {
        i += 2;
      } else {
        return ~(i + 1);
      }
    } else {
      i++;
    }
  }
}

/** Scans a number; returns the index after it, or ~errorOffset. */
function scanNumber(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === Ch.Minus) i++;
  if (text.charCodeAt(i) === Ch.Zero) i++;
  else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
  else return ~i;
  if (text.charCodeAt(i) === Ch.Dot) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return ~i;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === Ch.LowerE || e === Ch.UpperE) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === Ch.Plus || sign === Ch.Minus) i++;
    if (!isDigit(text.charCodeAt(i))) return ~i;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

function scanLiteral(text: string, start: number, literal: string): number {
  for (let k = 0; k < literal.length; k++) {
    if (text.charCodeAt(start + k) !== literal.charCodeAt(k)) return ~(start + k);
  }
  return start + literal.length;
}

/**
 * Offset of the first syntax error in `text` (RFC 8259 JSON), `text.length` for a premature end, or
 * undefined when the text is valid. Iterative, so deep nesting cannot overflow the stack.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const stack: number[] = []; // Ch.OpenBrace or Ch.OpenBracket per open container
  let i = 0;
  let expectValue = true;
  for (;;) {
    i = skipWhitespace(text, i);
    if (expectValue) {
      if (i >= text.length) return text.length;
      const c = text.charCodeAt(i);
      let next: number;
      if (c === Ch.OpenBrace || c === Ch.OpenBracket) {
        const close = c === Ch.OpenBrace ? Ch.CloseBrace : Ch.CloseBracket;
        i = skipWhitespace(text, i + 1);
        if (text.charCodeAt(i) === close) {
          i++;
          expectValue = false;
          continue;
        }
        stack.push(c);
        if (c === Ch.OpenBracket) continue; // expect the first element
        // First key of an object.
        if (text.charCodeAt(i) !== Ch.Quote) return i;
        const afterKey = scanString(text, i);
        if (afterKey < 0) return ~afterKey;
        i = skipWhitespace(text, afterKey);
        if (text.charCodeAt(i) !== Ch.Colon) return i;
        i++;
        continue;
      }
      if (c === Ch.Quote) next = scanString(text, i);
      else if (c === Ch.Minus || isDigit(c)) next = scanNumber(text, i);
      else if (c === 116 /* t */) next = scanLiteral(text, i, "true");
      else if (c === 102 /* f */) next = scanLiteral(text, i, "false");
      else if (c === 110 /* n */) next = scanLiteral(text, i, "null");
      else return i;
      if (next < 0) return ~next;
      i = next;
      expectValue = false;
      continue;
    }
    // After a value: a separator, the end of the container, or the end of the text.
    const top = stack[stack.length - 1];
    if (top === undefined) return i >= text.length ? undefined : i;
    if (i >= text.length) return text.length;
    const c = text.charCodeAt(i);
    if (c === Ch.Comma) {
      i = skipWhitespace(text, i + 1);
      if (top === Ch.OpenBracket) {
        expectValue = true;
        continue;
      }
      if (text.charCodeAt(i) !== Ch.Quote) return i;
      const afterKey = scanString(text, i);
      if (afterKey < 0) return ~afterKey;
      i = skipWhitespace(text, afterKey);
      if (text.charCodeAt(i) !== Ch.Colon) return i;
      i++;
      expectValue = true;
      continue;
    }
    if ((top === Ch.OpenBrace && c === Ch.CloseBrace) || (top === Ch.OpenBracket && c === Ch.CloseBracket)) {
      stack.pop();
      i++;
      continue;
    }
    return i;
  }
}

/** Index just after the value starting at `start`, in text known to be valid JSON. */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === Ch.Quote) return scanString(text, start);
  if (c !== Ch.OpenBrace && c !== Ch.OpenBracket) {
    let i = start;
    for (;;) {
      const d = text.charCodeAt(i);
      if (Number.isNaN(d) || d === Ch.Comma || d === Ch.CloseBrace || d === Ch.CloseBracket) return i;
      if (d === Ch.Space || d === Ch.Newline || d === Ch.Return || d === Ch.Tab) return i;
      i++;
    }
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === Ch.Quote) {
      i = scanString(text, i);
      continue;
    }
    if (d === Ch.OpenBrace || d === Ch.OpenBracket) depth++;
    else if (d === Ch.CloseBrace || d === Ch.CloseBracket) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

export interface JsonLocation {
  /** Offset of the value at the deepest segment of `path` that exists. */
  valueOffset: number;
  /** Offset of that value's key (objects) or of the value itself (arrays, the root). */
  keyOffset: number;
  /** How many segments of `path` were found. */
  depth: number;
}

/**
 * Where the value at `path` starts in valid JSON `text`. Follows `JSON.parse`: with duplicate keys the last
 * one wins. Stops at the deepest segment that exists, so a path into content that came from elsewhere
 * still points at the nearest place in this file.
 */
export function jsonLocate(text: string, path: readonly PathSegment[]): JsonLocation {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(0) === 0xfeff) i = skipWhitespace(text, 1);
  const location: JsonLocation = { valueOffset: i, keyOffset: i, depth: 0 };
  for (const segment of path) {
    const c = text.charCodeAt(i);
    let found: { key: number; value: number } | undefined;
    if (c === Ch.OpenBrace) {
      i = skipWhitespace(text, i + 1);
      while (text.charCodeAt(i) === Ch.Quote) {
        const keyStart = i;
        const keyEnd = scanString(text, i);
        const raw = text.slice(keyStart + 1, keyEnd - 1);
        const key = raw.includes("\\") ? (JSON.parse(text.slice(keyStart, keyEnd)) as string) : raw;
        i = skipWhitespace(text, keyEnd);
        i = skipWhitespace(text, i + 1); // the colon
        if (key === String(segment)) found = { key: keyStart, value: i };
        i = skipWhitespace(text, skipValue(text, i));
        if (text.charCodeAt(i) !== Ch.Comma) break;
        i = skipWhitespace(text, i + 1);
      }
    } else if (c === Ch.OpenBracket) {
      const target = Number(segment);
      i = skipWhitespace(text, i + 1);
      for (let index = 0; text.charCodeAt(i) !== Ch.CloseBracket && i < text.length; index++) {
        if (index === target) {
          found = { key: i, value: i };
          break;
        }
        i = skipWhitespace(text, skipValue(text, i));
        if (text.charCodeAt(i) !== Ch.Comma) break;
        i = skipWhitespace(text, i + 1);
      }
    }
    if (!found) break;
    i = found.value;
    location.valueOffset = found.value;
    location.keyOffset = found.key;
    location.depth++;
  }
  return location;
}
