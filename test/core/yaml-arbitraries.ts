/**
 * Generated YAML texts for the fast path's property test (yaml-fast-load.property.test.ts): values
 * serialized by `yaml` and js-yaml in many styles, and raw texts put together from fragments.
 */
import fc from "fast-check";
import jsYaml from "js-yaml";
import { Document, type ToStringOptions } from "yaml";

/** Strings that mean something else in some spelling of YAML, or need quoting, or break a line. */
export const TRICKY = [
  "",
  " ",
  "  x",
  "x  ",
  " x ",
  "#",
  "# x",
  "x #y",
  "x#y",
  ": ",
  "a: b",
  "a:b",
  "- x",
  "-",
  "?",
  "? x",
  "x?",
  "'",
  '"',
  "'x'",
  '"x"',
  "it's",
  "\\",
  "\\n",
  "[x]",
  "{x}",
  "x, y",
  "&a",
  "*a",
  "!x",
  "!!str",
  "%x",
  "@x",
  "`x",
  "|",
  ">",
  "---",
  "...",
  "--- x",
  "<<",
  "=",
  "\t",
  "x\ty",
  "\n",
  "x\n",
  "x\ny",
  "x\n\ny",
  "\nx",
  "x \n y",
  "\r\n",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ud83d\ude00",
  "é",
  "日本",
  "0x1F",
  "0X1F",
  "0o7",
  "0O7",
  "0b101",
  "007",
  "08",
  "+1",
  "-1",
  "-0",
  "+0",
  "0",
  "00",
  "1e3",
  "1E3",
  "1e+3",
  "-1e-3",
  "1.0",
  "1.",
  ".5",
  "-.5",
  "+.5",
  "1_000",
  "1,000",
  "12345678901234567890",
  "9007199254740993",
  "1e400",
  ".inf",
  ".Inf",
  ".INF",
  "-.inf",
  "+.inf",
  ".NaN",
  ".nan",
  ".NAN",
  "-.nan",
  "inf",
  "NaN",
  "~",
  "null",
  "Null",
  "NULL",
  "nULL",
  "true",
  "True",
  "TRUE",
  "tRUE",
  "false",
  "False",
  "FALSE",
  "yes",
  "Yes",
  "YES",
  "no",
  "No",
  "on",
  "On",
  "off",
  "OFF",
  "y",
  "n",
  "2001-12-14",
  "2001-12-14T21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5",
  "12:30",
  "1:30:00",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
];

const trickyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_.:/-]{0,10}$/) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...TRICKY), fc.constantFrom(...TRICKY)).map(([a, b]) => `${a} ${b}`),
  },
);

const scalarValue = fc.oneof(
  { weight: 4, arbitrary: trickyString },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -0, 1e21, 2 ** 53 + 2, -1.5, 0.1, Number.NaN, Infinity, -Infinity),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A plain object with own keys, `__proto__` included, as a parse makes them. */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries)
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const { value: valueArbitrary } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 3, arbitrary: scalarValue },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(trickyString, tie("value")), { maxLength: 4, selector: ([key]) => key })
        .map(objectOf),
    },
  ),
}));

const yamlOptions: fc.Arbitrary<ToStringOptions & { flow?: boolean }> = fc.record(
  {
    defaultStringType: fc.constantFrom(
      "PLAIN",
      "QUOTE_DOUBLE",
      "QUOTE_SINGLE",
      "BLOCK_LITERAL",
      "BLOCK_FOLDED",
    ),
    defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE"),
    lineWidth: fc.constantFrom(0, 8, 20, 80),
    minContentWidth: fc.constantFrom(0, 4, 20),
    indent: fc.integer({ min: 1, max: 4 }),
    indentSeq: fc.boolean(),
    doubleQuotedAsJSON: fc.boolean(),
    doubleQuotedMinMultiLineLength: fc.constantFrom(0, 10, 40),
    singleQuote: fc.constantFrom(null, true, false),
    flowCollectionPadding: fc.boolean(),
    flow: fc.boolean(),
  },
  { requiredKeys: [] },
);

function stringifyYaml(value: unknown, { flow, ...options }: ToStringOptions & { flow?: boolean }): string {
  const doc = new Document(value);
  if (flow && doc.contents && typeof doc.contents === "object" && "flow" in doc.contents)
    doc.contents.flow = true;
  return doc.toString(options);
}

const jsYamlOptions = fc.record(
  {
    flowLevel: fc.constantFrom(-1, 0, 1, 2),
    lineWidth: fc.constantFrom(-1, 10, 40, 80),
    indent: fc.integer({ min: 1, max: 4 }),
    noArrayIndent: fc.boolean(),
    forceQuotes: fc.boolean(),
    quotingType: fc.constantFrom<"'" | '"'>("'", '"'),
    noCompatMode: fc.boolean(),
    condenseFlow: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** One serialized document: `yaml`'s or js-yaml's (which may refuse a value, e.g. a lone surrogate). */
const serializedDocument = fc.oneof(
  fc.tuple(valueArbitrary, yamlOptions).map(([value, options]) => stringifyYaml(value, options)),
  fc.tuple(valueArbitrary, jsYamlOptions).map(([value, options]) => {
    try {
      return jsYaml.dump(value, { ...options, schema: jsYaml.CORE_SCHEMA });
    } catch {
      return "x: 1\n";
    }
  }),
);

const separator = fc.constantFrom("---\n", "--- # next\n", "...\n---\n", "\n---\n");

export const serializedText = fc
  .tuple(fc.array(serializedDocument, { minLength: 1, maxLength: 3 }), separator, fc.boolean())
  .map(([docs, sep, leading]) => (leading ? "---\n" : "") + docs.join(sep));

// Raw texts: a tree of fragments, each carrying how it is written.

type Raw =
  | { t: "scalar"; text: string; comment: boolean }
  | { t: "block"; header: string; lines: string[]; extra: number }
  | { t: "flow"; text: string }
  | { t: "map"; entries: [string, Raw][]; indent: number; compact: boolean }
  | { t: "seq"; items: Raw[]; indent: number; compact: boolean };

const DOUBLE_ESCAPES = [
  "\\n",
  "\\t",
  "\\x41",
  "\\u00e9",
  "\\U0001F600",
  "\\\\",
  '\\"',
  "\\/",
  "\\ ",
  "\\N",
  "\\_",
];

const doubleQuoted = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: trickyString },
      { weight: 2, arbitrary: fc.constantFrom(...DOUBLE_ESCAPES) },
      { weight: 1, arbitrary: fc.constantFrom("\\\n  ", "\n  ", "\n\n  ") },
    ),
    { maxLength: 4 },
  )
  .map((parts) => `"${parts.join("").replace(/(?<!\\)"/g, '\\"')}"`);

const singleQuoted = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: trickyString },
      { weight: 1, arbitrary: fc.constantFrom("\n  ", "\n\n  ") },
    ),
    {
      maxLength: 4,
    },
  )
  .map((parts) => `'${parts.join("").replace(/'/g, "''")}'`);

/** The tricky strings that are plain scalars as they are (most of them look like something else). */
const PLAIN_SAFE = TRICKY.filter(
  (s) => /^[^-?:,[\]{}#&*!|>'"%@`\s][^\n\r\t#]*$/.test(s) && !/: |\s$|:$/.test(s),
);

/** A plain scalar as it is written, maybe folded over two lines. */
const plainRaw = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN_SAFE) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9 _.:/-]{0,12}[a-z]$/) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...TRICKY), fc.constantFrom(...TRICKY)).map(([a, b]) => `${a}\n${b}`),
  },
);

const flowScalar = fc.oneof(
  { weight: 3, arbitrary: plainRaw.filter((s) => !s.includes("\n")) },
  { weight: 1, arbitrary: doubleQuoted },
  { weight: 1, arbitrary: singleQuoted },
);

const { flow: flowRaw } = fc.letrec<{ flow: string }>((tie) => ({
  flow: fc.oneof(
    { depthSize: "small" },
    { weight: 3, arbitrary: flowScalar },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.array(tie("flow"), { maxLength: 3 }),
          fc.constantFrom(", ", ",", " , ", ",\n  ", ",\n", ", # c\n  "),
        )
        .map(([items, sep]) => `[${items.join(sep)}]`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.array(fc.tuple(flowScalar, fc.option(tie("flow"))), { maxLength: 3 }),
          fc.constantFrom(", ", ",\n  ", ",\n"),
          fc.constantFrom(": ", ":", " : "),
        )
        .map(
          ([pairs, sep, colon]) =>
            `{${pairs.map(([k, v]) => (v === null ? k : `${k}${colon}${v}`)).join(sep)}}`,
        ),
    },
  ),
}));

const blockHeader = fc
  .tuple(
    fc.constantFrom("|", ">"),
    fc.constantFrom("", "-", "+"),
    fc.constantFrom("", "", "1", "2", "4"),
    fc.boolean(),
  )
  .map(([style, chomp, indent, order]) => style + (order ? chomp + indent : indent + chomp));

const blockLine = fc.oneof(
  trickyString.map((s) => s.replace(/[\r\n]/g, " ")),
  fc.constant(""),
  fc.constantFrom(" more indented", "  deeper", "\ttab", "# not a comment", "--- not a marker"),
);

/** A key: on one line, mostly (`yaml` and js-yaml refuse one over two lines). */
const keyRaw = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,8}$/) },
  { weight: 4, arbitrary: fc.oneof(plainRaw, doubleQuoted, singleQuoted).filter((k) => !k.includes("\n")) },
  { weight: 1, arbitrary: fc.oneof(plainRaw, doubleQuoted, singleQuoted) },
);

/** Node properties now and then (the fast path declines them all), or an alias instead of the node. */
const props = fc.oneof(
  { weight: 30, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.constantFrom("&a ", "!!str ", "!e ", "!!int ", "*a ") },
);

/** A comment line before a map entry or a list item, at its indentation or another. */
const commentLine = fc.constantFrom("", "", "", "", "# c\n", "  # c\n", "\n", " \n");

const { raw: rawArbitrary, collection: rawCollection } = fc.letrec<{ raw: Raw; collection: Raw }>((tie) => ({
  raw: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant("scalar" as const),
        text: fc
          .tuple(props, fc.oneof(plainRaw, doubleQuoted, singleQuoted))
          .map(([p, text]) => (p === "*a " ? "*a" : p + text)),
        comment: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant("block" as const),
        header: blockHeader,
        lines: fc.array(blockLine, { maxLength: 4 }),
        extra: fc.constantFrom(0, 0, 1, 2),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("flow" as const), text: flowRaw }) },
    { weight: 3, arbitrary: tie("collection") },
  ),
  collection: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant("map" as const),
        entries: fc.uniqueArray(
          fc.tuple(
            fc.tuple(commentLine, keyRaw).map(([c, k]) => c + k),
            tie("raw"),
          ),
          { minLength: 1, maxLength: 4, selector: ([key]) => key.trim() },
        ),
        indent: fc.integer({ min: 1, max: 4 }),
        compact: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant("seq" as const),
        items: fc.array(tie("raw"), { minLength: 1, maxLength: 4 }),
        indent: fc.integer({ min: 0, max: 3 }),
        compact: fc.boolean(),
      }),
    },
  ),
}));

const pad = (n: number) => " ".repeat(Math.max(0, n));

/** Continuation lines of a multi-line fragment, indented to `indent`. */
function indentLines(text: string, indent: number): string {
  return text.replace(/\n(?!\n)/g, `\n${pad(indent)}`);
}

/**
 * The node after an indicator (`key:` or `-`) on a line at `indent`: on that line for a scalar or a
 * flow collection, on the lines below for a block collection (or on that line, compact, for a seq item).
 */
function renderAfter(node: Raw, indent: number, inSeq: boolean): string {
  switch (node.t) {
    case "scalar":
      return ` ${indentLines(node.text, indent + 1)}${node.comment ? " # c" : ""}\n`;
    case "flow":
      return ` ${indentLines(node.text, indent + 1)}\n`;
    case "block": {
      const body = node.lines
        .map((l) => (l === "" ? "\n" : `${pad(indent + 2 + node.extra)}${l}\n`))
        .join("");
      return ` ${node.header}\n${body}`;
    }
    case "map":
    case "seq": {
      const inner = indent + (node.t === "map" ? node.indent : node.indent || (inSeq ? 2 : 0));
      if (node.compact && inSeq) return ` ${renderBlock(node, indent + 2).slice(indent + 2)}`;
      return `\n${renderBlock(node, node.t === "seq" && !inSeq ? indent + node.indent : inner)}`;
    }
  }
}

function renderBlock(node: Raw, indent: number): string {
  switch (node.t) {
    case "map":
      return node.entries
        .map(([key, value]) => {
          // A comment line first, maybe; the key itself stays on one line.
          const cut = key.lastIndexOf("\n", key.length - 1);
          const [comment, text] = /^(?:[ #c]*\n)+/.test(key)
            ? [key.slice(0, cut + 1), key.slice(cut + 1)]
            : ["", key];
          return `${comment}${pad(indent)}${text.replace(/\n/g, " ")}:${renderAfter(value, indent, false)}`;
        })
        .join("");
    case "seq":
      return node.items.map((item) => `${pad(indent)}-${renderAfter(item, indent, true)}`).join("");
    default:
      return `${pad(indent)}${renderAfter(node, indent, false).slice(1)}`;
  }
}

const rawDocument = fc.oneof(
  { weight: 6, arbitrary: rawCollection.map((node) => renderBlock(node, 0)) },
  { weight: 1, arbitrary: rawArbitrary.map((node) => renderBlock(node, 0)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "# only a comment\n", "~\n", "--- |\n  text\n", "--- >-\n  a\n  b\n"),
  },
);

export const rawText = fc
  .tuple(
    fc.array(rawDocument, { minLength: 1, maxLength: 3 }),
    separator,
    fc.oneof(
      { weight: 8, arbitrary: fc.constant("") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "---\n",
          "# head\n",
          "%YAML 1.2\n---\n",
          "%TAG !e! tag:e.com,2000:\n---\n",
          "\ufeff",
        ),
      },
    ),
    fc.constantFrom("", "", "", "...\n", "# tail\n", "\n\n"),
    fc.constantFrom("\n", "\n", "\n", "\r\n"),
  )
  .map(([docs, sep, head, tail, eol]) => (head + docs.join(sep) + tail).replace(/\n/g, eol));
