/**
 * The text checks of the YAML fast path (yaml-fast-load.ts): where js-yaml reads a text otherwise than
 * the careful parse (`yaml`), or accepts one it refuses, in ways the parse events alone do not show.
 * Each was found by the property test (test/core/yaml-fast-load.property.test.ts) and has its case in
 * test/core/yaml-fast-load.test.ts.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/**
 * What the text alone shows the two parsers read differently, before js-yaml reads it:
 * - a byte order mark: js-yaml drops one at the start (its offsets are then one less than the text's)
 *   and reads one elsewhere as text, where `yaml` may skip it; and `yaml` refuses a block sequence
 *   after one at the start;
 * - a CR not followed by LF: js-yaml takes it for a line break, `yaml` for part of the line;
 * - a line that starts with `---` or `...` and goes on without a space (`---a`, `----`): js-yaml reads
 *   a document marker and more, `yaml` a plain scalar; or `...` and more than a comment (`... x`),
 *   which `yaml` refuses;
 * - `[#c`, `{#c`, `,#c`: js-yaml reads a comment where `yaml` wants a space before it (`"a"#c` and
 *   `[a]#c` are caught as their node closes). It may be text, which costs only speed.
 */
export function textReason(text: string): string | undefined {
  if (text.includes("\ufeff")) return "a byte order mark";
  if (text.includes("\r") && /\r(?!\n)/.test(text)) return "a CR without LF";
  if (/^(?:---|\.\.\.)[^ \t\r\n]|^\.\.\.[ \t]+[^ \t\r\n#]/m.test(text))
    return "a line starting with --- or ... and more";
  if (/[[{,]#/.test(text)) return "a comment right after [, { or ,";
  return undefined;
}

/**
 * Whether every line after the first of the flow collection or quoted scalar from `nl` (its first line
 * break) to `end` is indented more than `parent`, the column of the block collection holding it, as
 * `yaml` requires and js-yaml does not check (`key: [a,\nb]`). Lines of nothing but spaces pass (a
 * quoted scalar's empty lines); a tab does not count as indentation. (`yaml` lets a closing bracket or
 * a comment line be less indented: those are declined, which costs only speed.)
 */
export function continuationIndented(input: string, nl: number, end: number, parent: number): boolean {
  for (let at = nl; at !== -1 && at < end; at = input.indexOf("\n", at + 1)) {
    let p = at + 1;
    while (input.charCodeAt(p) === SPACE) p++;
    if (p - at - 1 > parent) continue;
    const c = input.charCodeAt(p);
    if (c !== LF && !(c === CR && input.charCodeAt(p + 1) === LF)) return false;
  }
  return true;
}

/**
 * Whether the two parsers read the blank lines (spaces, tabs, nothing) of the block scalar at
 * `start`..`end`, and those right after it, alike. They do not when such a line holds a tab (`yaml`
 * refuses one indented less than the text, js-yaml reads an empty line); when the header gives the
 * indentation (`|2`) and such a line holds spaces (they count them differently after the text); and
 * when leading lines of spaces are longer than the first line of text (`yaml` refuses that without
 * `|2`) or no text follows them (`yaml` reads empty lines, js-yaml keeps spaces beyond the indentation).
 */
export function blockScalarBlanksAgree(input: string, start: number, end: number): boolean {
  const headerEnd = input.indexOf("\n", start);
  if (headerEnd === -1) return true;
  const indicator = /^[|>][-+]?[1-9]/.test(input.slice(start, start + 3));
  let longest = 0;
  let leading = true;
  // The blank lines right after it too: `yaml` counts them in, js-yaml may not.
  for (let p = headerEnd + 1; p > 0 && p < input.length; p = input.indexOf("\n", p) + 1) {
    let q = p;
    while (input.charCodeAt(q) === SPACE) q++;
    let r = q;
    while (input.charCodeAt(r) === SPACE || input.charCodeAt(r) === TAB) r++;
    const c = input.charCodeAt(r);
    const blank = c === LF || (c === CR && input.charCodeAt(r + 1) === LF) || r >= input.length;
    if (!blank) {
      if (p >= end) break;
      if (leading && q - p < longest) return false;
      leading = false;
      continue;
    }
    if (r > q) return false; // a tab
    if (indicator && q > p) return false;
    if (leading) longest = Math.max(longest, q - p);
  }
  return !leading || longest === 0;
}

/** Whether a line of `start`..`end` holds text (not a comment) at a column less than `column`. */
export function spansLineIndentedLess(input: string, start: number, end: number, column: number): boolean {
  for (let nl = input.indexOf("\n", start); nl !== -1 && nl < end; nl = input.indexOf("\n", nl + 1)) {
    let p = nl + 1;
    while (input.charCodeAt(p) === SPACE && p - nl - 1 < column) p++;
    if (p - nl - 1 >= column || p >= end) continue;
    const c = input.charCodeAt(p);
    if (c !== LF && c !== CR && c !== HASH) return true;
  }
  return false;
}

/** The column of `offset`, counted from 0. */
export function columnOf(input: string, offset: number): number {
  return offset - input.lastIndexOf("\n", offset - 1) - 1;
}
