/** Positions in JSON text for error messages: the first syntax error, and where a value starts. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { jsonLocate, jsonSyntaxErrorOffset } from "../../src/openapi/json-position.ts";
import { resolvePath } from "../../src/openapi/pointer.ts";

function v8Offset(text: string): number | undefined | "valid" {
  try {
    JSON.parse(text);
    return "valid";
  } catch (err) {
    const m = /at position (\d+)/.exec((err as Error).message);
    return m ? Number(m[1]) : undefined;
  }
}

describe("JSON positions", () => {
  test("valid JSON has no syntax error offset", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, "\t"), (value, indent) => {
        assert.equal(jsonSyntaxErrorOffset(JSON.stringify(value, null, indent)), undefined);
      }),
      { numRuns: 500 },
    );
  });

  test("the offset of the first syntax error is the one V8 reports, when V8 reports one", () => {
    const broken = fc
      .tuple(
        fc.jsonValue(),
        fc.nat(),
        fc.constantFrom("", "x", ",", "}", "]", '"', ":", "\\", "1", "\n", "{", "["),
      )
      .map(([value, at, insert]) => {
        const text = JSON.stringify(value, null, 1);
        const i = at % (text.length + 1);
        // Insert a character, or delete one when the insert is empty.
        return insert === ""
          ? text.slice(0, i) + text.slice(i + 1)
          : text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(broken, (text) => {
        const v8 = v8Offset(text);
        if (v8 === "valid") assert.equal(jsonSyntaxErrorOffset(text), undefined);
        else if (v8 !== undefined) assert.equal(jsonSyntaxErrorOffset(text), v8, JSON.stringify(text));
        else assert.notEqual(jsonSyntaxErrorOffset(text), undefined, JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });

  test("errors V8 reports without a position get one", () => {
    assert.equal(jsonSyntaxErrorOffset('{"a": x}'), 6);
    assert.equal(jsonSyntaxErrorOffset('{"a": tru}'), 9);
    assert.equal(jsonSyntaxErrorOffset("[1,]"), 3);
    assert.equal(jsonSyntaxErrorOffset("["), 1);
    assert.equal(jsonSyntaxErrorOffset(""), 0);
  });

  test("jsonLocate finds where the value (and its key) at a path starts", () => {
    const withPath = fc.jsonValue().chain((value) => {
      // Walk a random path that exists in the value.
      const paths: Array<Array<string | number>> = [[]];
      const collect = (v: unknown, at: Array<string | number>) => {
        if (Array.isArray(v))
          v.forEach((x, i) => {
            paths.push([...at, i]);
            collect(x, [...at, i]);
          });
        else if (v !== null && typeof v === "object")
          for (const [k, x] of Object.entries(v)) {
            paths.push([...at, k]);
            collect(x, [...at, k]);
          }
      };
      collect(value, []);
      return fc.tuple(fc.constant(value), fc.constantFrom(...paths));
    });
    fc.assert(
      fc.property(withPath, ([value, at]) => {
        const text = JSON.stringify(value);
        const found = jsonLocate(text, at);
        assert.equal(found.depth, at.length);
        const sub = resolvePath(value, at.map(String)).value;
        assert.ok(text.startsWith(JSON.stringify(sub), found.valueOffset), JSON.stringify({ text, at }));
        const last = at[at.length - 1];
        if (typeof last === "string") assert.ok(text.startsWith(`${JSON.stringify(last)}:`, found.keyOffset));
      }),
      { numRuns: 500 },
    );
  });

  test("jsonLocate stops at the deepest part of the path that exists; the last duplicate key wins", () => {
    const text = '{"a": {"b": 1}, "a": {"c": [10, 20]}}';
    assert.deepEqual(jsonLocate(text, ["a", "c", 1]), { valueOffset: 32, keyOffset: 32, depth: 3 });
    assert.equal(jsonLocate(text, ["a", "b"]).depth, 1);
    assert.equal(jsonLocate(text, ["a", "b"]).keyOffset, 16);
  });
});
