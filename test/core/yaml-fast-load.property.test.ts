/**
 * Issue 18: the YAML fast path (core/yaml-fast-load.ts) and the careful parses agree on generated
 * documents. Two kinds of text: values serialized by `yaml` and js-yaml in many styles, and raw texts
 * put together from fragments (plain scalars written as they are, quoted and block scalars, comments,
 * flow collections, document markers), most of them valid YAML, some not. The property
 * (yaml-agreement.ts): whenever the fast path accepts, its documents deep-strict-equal both careful
 * parses' and its document starts are theirs; whenever a careful parse refuses, the fast path declines.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { assertAgreement } from "./yaml-agreement.ts";
import { rawText, serializedText } from "./yaml-arbitraries.ts";

const SEED = 18_2026;
const RUNS = 10_000;

function run(arbitrary: fc.Arbitrary<string>): { accepted: number } {
  let accepted = 0;
  fc.assert(
    fc.property(arbitrary, (text) => {
      if (assertAgreement(text).ok) accepted++;
    }),
    { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
  );
  return { accepted };
}

describe("the YAML fast path agrees with the careful parses, property", { timeout: 300_000 }, () => {
  test(`values serialized by yaml and js-yaml in many styles (seed ${SEED}, ${RUNS} runs)`, {
    timeout: 150_000,
  }, () => {
    const { accepted } = run(serializedText);
    // Meaningful only if the fast path accepts a good share of what it is shown.
    assert.ok(accepted > RUNS / 3, `the fast path accepted only ${accepted} of ${RUNS} texts`);
  });

  test(`raw texts from fragments (seed ${SEED}, ${RUNS} runs)`, { timeout: 150_000 }, () => {
    const { accepted } = run(rawText);
    assert.ok(accepted > RUNS / 10, `the fast path accepted only ${accepted} of ${RUNS} texts`);
  });
});
