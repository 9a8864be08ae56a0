/**
 * Issue 18: the YAML fast path (core/yaml-fast-load.ts). Each reason it declines a text, the safety the
 * careful parse gives (alias bombs, duplicate keys, prototype keys, tags) holding on the fast path too,
 * the YAML 1.2 core schema where js-yaml's YAML 1.1 habits would differ, and every accepted text equal
 * to both careful parses (yaml-agreement.ts). The disagreements the property test found
 * (yaml-fast-load.property.test.ts) are here as cases too.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fastLoadAll } from "../../src/core/yaml-fast-load.ts";
import { assertAgreement, carefulManifest } from "./yaml-agreement.ts";

/** fastLoadAll declines `text` for `reason` (a string: exactly; a RegExp: matching), and agrees. */
function assertDeclined(text: string, reason: string | RegExp): void {
  const fast = assertAgreement(text);
  assert.equal(fast.ok, false, `${JSON.stringify(text)} is accepted`);
  if (fast.ok) return;
  if (typeof reason === "string") assert.equal(fast.reason, reason, JSON.stringify(text));
  else assert.match(fast.reason, reason, JSON.stringify(text));
}

/** fastLoadAll accepts `text` with `documents`, and agrees with both careful parses. */
function assertAccepted(text: string, documents: unknown[]): void {
  const fast = assertAgreement(text);
  assert.ok(fast.ok, `${JSON.stringify(text)} is declined: ${fast.ok ? "" : fast.reason}`);
  assert.deepStrictEqual(fast.documents, documents);
}

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

describe("fastLoadAll", { timeout: 60_000 }, () => {
  describe("accepts clean texts, with the careful parses' values and places", () => {
    test("a manifest", () => {
      assertAccepted(
        [
          "apiVersion: scopectl/v1",
          "kind: Api",
          "metadata: { name: orders }",
          "spec:",
          "  audience: https://api.example.com/orders # the audience",
          "  description: |",
          "    Orders.",
          "",
          "    Line two.",
          "  scopes:",
          "    - name: read:orders",
          "      description: >-",
          "        Read",
          "        orders",
          "    - { name: 'write:orders', description: \"Write \\u00e9\" }",
          "",
        ].join("\n"),
        [
          {
            apiVersion: "scopectl/v1",
            kind: "Api",
            metadata: { name: "orders" },
            spec: {
              audience: "https://api.example.com/orders",
              description: "Orders.\n\nLine two.\n",
              scopes: [
                { name: "read:orders", description: "Read orders" },
                { name: "write:orders", description: "Write é" },
              ],
            },
          },
        ],
      );
    });

    test("several documents, empty ones null, with each one's start, line and column", () => {
      const text = "# head\na: 1\n---\n---\n\n  - x\n...\n--- # c\n{b: 2}\n";
      assertAccepted(text, [{ a: 1 }, null, ["x"], { b: 2 }]);
      const fast = fastLoadAll(text);
      assert.ok(fast.ok);
      assert.deepEqual(fast.starts, [7, -1, 23, 39]);
      assert.deepEqual(fast.positions[0], { line: 2, column: 1 });
      assert.deepEqual(fast.positions[2], { line: 6, column: 3 });
      assert.deepEqual(fast.positions[3], { line: 9, column: 1 });
    });

    test("CRLF line breaks", () => {
      assertAccepted("a: 1\r\nb: |\r\n  x\r\n  y\r\nc: [1,\r\n  2]\r\n", [{ a: 1, b: "x\ny\n", c: [1, 2] }]);
    });

    test("keys that are core values printing back as their text", () => {
      assertAccepted("200: ok\ntrue: t\nfalse: f\n1.5: x\n-3: y\n", [
        { "200": "ok", true: "t", false: "f", "1.5": "x", "-3": "y" },
      ]);
    });

    test("quoted keys keep their text", () => {
      assertAccepted("'~': a\n\"007\": b\n'': c\n\"0x1F\": d\n", [
        { "~": "a", "007": "b", "": "c", "0x1F": "d" },
      ]);
    });
  });

  describe("YAML 1.2 core schema, not js-yaml's YAML 1.1 habits", () => {
    test("yes, no, on, off, y, n are strings", () => {
      assertAccepted("- yes\n- No\n- on\n- OFF\n- y\n- n\n", [["yes", "No", "on", "OFF", "y", "n"]]);
    });

    test("binary, underscores, sexagesimal and dates are strings; 0o and 0x are numbers", () => {
      assertAccepted(
        "- 0b101\n- 1_000\n- 12:30\n- 2001-12-14\n- 2001-12-14T21:59:43.10-05:00\n- 0o17\n- 0x1F\n",
        [["0b101", "1_000", "12:30", "2001-12-14", "2001-12-14T21:59:43.10-05:00", 15, 31]],
      );
    });

    test("core spellings of null, bools and floats; -0 and NaN as themselves", () => {
      assertAccepted(
        "- ~\n- Null\n- nULL\n- TRUE\n- tRUE\n- .inf\n- -.Inf\n- .NaN\n- -0\n- 007\n- +1\n- 1e3\n- 1.\n",
        [[null, null, "nULL", true, "tRUE", Infinity, -Infinity, Number.NaN, -0, 7, 1, 1000, 1]],
      );
      const fast = fastLoadAll("- -0\n");
      assert.ok(fast.ok && Object.is((fast.documents[0] as number[])[0], -0));
    });

    test("<< is a plain key: nothing is merged", () => {
      assertAccepted("a: 1\n<<: {b: 2}\n", [{ a: 1, "<<": { b: 2 } }]);
      assertAccepted("- <<: [{x: 1}]\n", [[{ "<<": [{ x: 1 }] }]]);
    });
  });

  describe("safety", () => {
    test("an alias bomb is declined at its first anchor, before any alias is read", () => {
      const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
      for (const [prev, next] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi", "ij", "jk", "kl", "lm"])
        laughs.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(", ")}]`);
      const bomb = `${laughs.join("\n")}\n`;
      assertDeclined(bomb, "an anchor");
      // The same bomb with a syntax error after it: declined for the anchor, not the error, so the
      // parse stopped at the first anchor and no alias after it was read, let alone expanded.
      assertDeclined(`${bomb}broken: [\n`, "an anchor");
      assertDeclined(`x: &x 1\n${"y".repeat(20)}: ] not yaml\n`, "an anchor");
      // The careful parse is the one that refuses it, with its bound.
      const careful = carefulManifest(bomb);
      assert.ok(!careful.ok && /Excessive alias count/.test(careful.problems.join()));
    });

    test("anchors and aliases in every position", () => {
      for (const text of [
        "a: &x 1\nb: *x\n",
        "&x a: 1\n",
        "- &x [1]\n- *x\n",
        "{a: &x b, c: *x}\n",
        "--- &x\na: 1\n",
      ])
        assertDeclined(text, "an anchor");
      assertDeclined("a: *x\n", /^js-yaml: unidentified alias/);
    });

    test("duplicate keys", () => {
      for (const text of [
        "a: 1\na: 2\n",
        "a: 1\n'a': 2\n",
        'a: 1\n"a": 2\n',
        "{a: 1, a: 2}\n",
        "x:\n  y:\n    a: 1\n    a: 2\n",
        "- {b: 1, b: 1}\n",
        "1: a\n'1': b\n",
        '"\\x41": 1\nA: 2\n',
      ])
        assertDeclined(text, /^js-yaml: duplicated mapping key/);
    });

    test("__proto__, constructor and prototype keys never reach a prototype", () => {
      const before = prototypeNames();
      const cases: [string, string][] = [
        ["__proto__: { polluted: true }\n", "__proto__"],
        ["'__proto__': { polluted: true }\n", "__proto__"],
        ['"__proto__": { polluted: true }\n', "__proto__"],
        ['"__pro\\x74o__": { polluted: true }\n', "__proto__"],
        ["a:\n  b:\n    __proto__: { polluted: true }\n", "__proto__"],
        ["{__proto__: {polluted: true}}\n", "__proto__"],
        ["- [{__proto__: {polluted: true}}]\n", "__proto__"],
        ["constructor: { prototype: { polluted: true } }\n", "prototype"],
        ["a: {constructor: 1}\n", "constructor"],
        ["'prototype': 1\n", "prototype"],
        ["polluted: 1\n__proto__: 1\n", "__proto__"],
      ];
      for (const [text, key] of cases) assertDeclined(text, `the key ${key}`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(prototypeNames(), before);
    });

    test("tags beyond the core schema are declined, and so are core ones", () => {
      for (const text of [
        "a: !!binary aGVsbG8=\n",
        "a: !!timestamp 2001-12-14\n",
        "a: !foo x\n",
        "a: !!python/object:os.system {}\n",
        "a: !!python/object/apply:os.system [ls]\n",
        "a: !<tag:yaml.org,2002:str> x\n",
        "!!set\n? a\n",
        "a: !!omap [{b: 1}]\n",
        "a: !!str 1\n",
        "!!map {a: 1}\n",
        "a: ! x\n",
        "!!str a: 1\n",
        "a: !!merge <<\n",
      ])
        assertDeclined(text, "an explicit tag");
    });

    test("directives", () => {
      assertDeclined("%YAML 1.1\n---\na: yes\n", "a %YAML directive");
      assertDeclined("%YAML 1.2\n---\na: 1\n", "a %YAML directive");
      // An unknown directive is a warning in both parsers; the careful parse refuses warnings.
      assertDeclined("%FOO bar\n---\na: 1\n", /^js-yaml: unknown document directive/);
    });

    test("nesting deeper than js-yaml's limit", () => {
      assertDeclined(`${"[".repeat(2000)}${"]".repeat(2000)}\n`, /^js-yaml: /);
    });
  });

  describe("declines what the careful parse would read otherwise", () => {
    test("a syntax error", () => {
      assertDeclined("a: b: c\n", /^js-yaml: /);
      assertDeclined("a: [b\n", /^js-yaml: /);
    });

    test("a key that is a map or a list", () => {
      assertDeclined("[a]: 1\n", "a key that is a map or a list");
      assertDeclined("{a: 1}: 2\n", "a key that is a map or a list");
      assertDeclined("{[a]: 1}\n", "a key that is a map or a list");
    });

    test("plain keys whose core value does not print back as their text", () => {
      for (const key of [
        "~",
        "null",
        "Null",
        "True",
        "FALSE",
        "0x1F",
        "0o7",
        "007",
        "+1",
        "-0",
        "1.0",
        "1e3",
        ".inf",
        ".NaN",
      ])
        assertDeclined(`${key}: a\n`, "a plain key that is not a string");
      assertDeclined("{007}\n", "a plain key that is not a string");
      assertDeclined("[007: a]\n", "a plain key that is not a string");
    });

    test("a byte order mark, at the start or elsewhere", () => {
      assertDeclined("\ufeff- a\n", "a byte order mark");
      assertDeclined("\ufeffa: 1\n", "a byte order mark");
      assertDeclined("# head\n\ufeff # c\n---\na: 1\n", "a byte order mark");
    });

    test("a CR without LF", () => {
      assertDeclined("a: 1\r", "a CR without LF");
      assertDeclined("a:\r  b: 1\r", "a CR without LF");
    });

    test("a line starting with --- or ... and more", () => {
      assertDeclined("---a\n", "a line starting with --- or ... and more");
      assertDeclined("----\n", "a line starting with --- or ... and more");
      assertDeclined("a: 1\n... b\n", "a line starting with --- or ... and more");
    });

    test("explicit keys that are not plain strings", () => {
      // js-yaml reads `? 007` as the key "7" and `? [a]` as "a"; the careful parse as "007" and an error.
      assertDeclined("? 007\n", "a plain key that is not a string");
      assertDeclined("a:\n  ? 007\nb: 1\n", "a plain key that is not a string");
      assertDeclined("[? 007]\n", "a plain key that is not a string");
      assertDeclined("? - a\n", "a key that is a map or a list");
      assertDeclined("[? [a]]\n", "a key that is a map or a list");
      assertDeclined("? # c\n  007\n", "an explicit key after a comment");
      assertAccepted("? a\n: 1\n? b\n", [{ a: 1, b: null }]);
    });

    test("a comment with no space before it", () => {
      for (const text of ['"a"#c\n', "a: 'b'#c\n", "a: [b]#c\n", "a: {b: c}#c\n", '- "a"#c\n'])
        assertDeclined(text, "a comment right after a node");
      assertDeclined("{# x\n: 1}\n", "a comment right after [, { or ,");
      assertDeclined("[a,#c\n b]\n", "a comment right after [, { or ,");
    });

    test("a flow collection or quoted scalar indented no more than its block collection", () => {
      // (js-yaml itself warns of some flow collections: "deficient indentation".)
      const reason =
        /^(a line of a flow collection or quoted scalar indented too little|js-yaml: deficient indentation)/;
      for (const text of [
        "key: [a,\nb]\n",
        "a:\n  b: [x,\n  y]\n",
        "- - [x,\n  y]\n",
        "- a: [b,\n  c]\n",
        "- [a,\nb]\n",
        'a: "x\ny"\n',
        "a: 'x\ny'\n",
        '- "x\ny"\n',
        "a: [b,\n\tc]\n",
      ])
        assertDeclined(text, reason);
      // Indented more than the block collection: accepted, as by the careful parse.
      assertAccepted("key: [a,\n b]\n", [{ key: ["a", "b"] }]);
      assertAccepted("- - [x,\n   y]\n", [[[["x", "y"]]]]);
      assertAccepted('key: "a\n  b"\n', [{ key: "a b" }]);
      assertAccepted('"a\nb"\n', ["a b"]);
    });

    test("an escaped line break before an empty line", () => {
      assertDeclined('"\\\n   \n\n   "\n', "an escaped line break before an empty line");
      assertAccepted('a: "x\\\n  y"\n', [{ a: "xy" }]);
    });

    test("a document that is a block scalar", () => {
      // `|1` at the top: js-yaml indents its text one less.
      assertDeclined("|1-\n x \n y\n", "a document that is a block scalar");
      assertDeclined("--- |\n  text\n", "a document that is a block scalar");
    });

    test("blank lines of a block scalar that the parsers count differently", () => {
      const reason = "a block scalar's blank lines";
      for (const text of [
        "a: |\n  \n    \n  x\nb: 1\n", // leading lines of spaces longer than the text's: the careful parse refuses
        "a: |2\n     \n\nb: 1\n", // only lines of spaces
        "a: |\n    x\n  \t\n", // a tab in a blank line
        "a: |\n    x\n\t\n",
        "a: |-2\n      deeper\n    007 On\n      \nb: 1\n", // spaces after the text with `|2`
        "a: >1\n  deeper\n\n  \n",
      ])
        assertDeclined(text, reason);
      assertAccepted("a: |\n  x\n\n  y\n      \nb: >-\n\n  z\n", [{ a: "x\n\ny\n    \n", b: "\nz" }]);
    });

    test("an empty list entry before a line indented less", () => {
      // js-yaml puts `- b` in the inner list.
      const reason = "an empty list entry before a line indented less";
      assertDeclined("-\n - a\n - \n- b\n", reason);
      assertDeclined("- -\n-\n    b: c\n", reason);
      assertDeclined("- - a\n  -\n- b\n", reason);
      assertAccepted("-\n - a\n -\n", [[["a", null]]]);
      assertAccepted("- - ~\n- x\n", [[[null], "x"]]);
    });

    test("a block collection on the line of ---", () => {
      assertDeclined("--- x: ''\n", "a block collection on the line of ---");
      assertDeclined("--- - a\n", "a block collection on the line of ---");
      assertAccepted("--- [a]\n--- x\n", [["a"], "x"]);
    });

    test("a key of more than 1000 characters", () => {
      assertDeclined(`${"x".repeat(1025)}: a\n`, "a key over 1000 characters");
      assertDeclined(`"${"x".repeat(1030)}": a\n`, "a key over 1000 characters");
      assertDeclined(`[${"x".repeat(1030)}: a]\n`, "a key over 1000 characters");
      assertAccepted(`${"x".repeat(900)}: a\n`, [{ ["x".repeat(900)]: "a" }]);
    });

    test("a text of comments only", () => {
      // js-yaml reads one empty document, the careful parse none.
      assertDeclined("# c\n", "no document with content");
      assertDeclined("\n\n# a\n  # b\n", "no document with content");
      assertDeclined("---\n", "no document with content");
    });
  });

  test("never throws", () => {
    for (const text of [
      "",
      "\u0000",
      "\u0001",
      "a: \ud800\n",
      "%",
      "!",
      "&",
      "*",
      "[",
      "]",
      "{",
      "}",
      "'",
      '"',
      "|",
      ">",
      "?",
      ":",
      "-",
    ]) {
      const fast = assertAgreement(text);
      assert.equal(typeof fast.ok, "boolean");
    }
  });
});
