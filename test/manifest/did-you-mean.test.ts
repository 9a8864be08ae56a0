import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { distance } from "fastest-levenshtein";
import { closestName, didYouMean } from "../../src/model/did-you-mean.ts";

describe("did you mean", () => {
  test("suggests the closest name for a typo", () => {
    assert.equal(closestName("ordrs", ["orders", "users", "roles"]), "orders");
    assert.equal(closestName("read:order", ["read:orders", "write:orders"]), "read:orders");
    assert.equal(closestName("Orders", ["orders"]), "orders", "case differences are close");
    assert.equal(didYouMean("clerc", ["clerk", "admin"]), '; did you mean "clerk"?');
  });

  test("suggests nothing when no name is close", () => {
    assert.equal(closestName("zookeeper", ["orders", "users"]), undefined);
    assert.equal(closestName("x", ["y"]), undefined, "one character replaced is not a typo of one character");
    assert.equal(closestName("orders", []), undefined);
    assert.equal(didYouMean("zookeeper", ["orders"]), "");
  });

  test("ties go to the name that sorts first, whatever the order of candidates", () => {
    assert.equal(closestName("cat", ["bat", "hat", "fat"]), "bat");
    assert.equal(closestName("cat", ["hat", "fat", "bat"]), "bat");
  });

  test("property: a suggestion is a candidate, never the input, and within a third of its length", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9:-]{0,20}$/);
    fc.assert(
      fc.property(name, fc.array(name, { maxLength: 8 }), (input, candidates) => {
        const s = closestName(input, candidates);
        if (s === undefined) return;
        assert.ok(candidates.includes(s));
        assert.notEqual(s, input);
        const d = distance(input.toLowerCase(), s.toLowerCase());
        assert.ok(d <= Math.max(1, Math.floor(Math.max(input.length, s.length) / 3)));
        assert.ok(d < input.length);
      }),
    );
  });

  test("property: one deleted character in a name of 4 or more is always recognised", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{3,30}$/), fc.nat(), (target, at) => {
        const i = at % target.length;
        const typo = target.slice(0, i) + target.slice(i + 1);
        const s = closestName(typo, [target, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]);
        assert.notEqual(s, undefined);
      }),
    );
  });
});
