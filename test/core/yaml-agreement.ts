/**
 * The oracle of the YAML fast path's tests: the two careful parses it must agree with, and the check that
 * it does. The manifest loader's careful parse (src/manifest/parse.ts parseCarefully) and the OpenAPI
 * loader's (src/openapi/source.ts parseYaml) are written out here with their options, so that the tests
 * hold the fast path to them without going through either loader's messages.
 */
import assert from "node:assert/strict";
import { isMap, isSeq, LineCounter, parseAllDocuments, parseDocument } from "yaml";
import { type FastLoad, fastLoadAll } from "../../src/core/yaml-fast-load.ts";

export type Careful =
  | { ok: true; documents: unknown[]; starts: (number | undefined)[]; positions: Position[] }
  | { ok: false; problems: string[] };

interface Position {
  line: number;
  column: number;
}

/**
 * The manifest loader's careful parse: every error or warning refuses the file, then toJS with the
 * loader's alias limit. `starts`: per document, where yaml places a map or a list (else undefined).
 */
export function carefulManifest(text: string): Careful {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    stringKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const problems = docs.flatMap((doc) =>
    [...doc.errors, ...doc.warnings].map((e) => `${e.code}: ${e.message}`),
  );
  if (problems.length > 0) return { ok: false, problems };
  try {
    const documents = docs.map((doc) => doc.toJS({ maxAliasCount: 50 }));
    const starts = docs.map((doc) =>
      isMap(doc.contents) || isSeq(doc.contents) ? doc.contents.range?.[0] : undefined,
    );
    const positions = starts.map((s) => {
      if (s === undefined) return { line: 0, column: 0 };
      const { line, col } = lineCounter.linePos(s);
      return { line, column: col };
    });
    return { ok: true, documents, starts, positions };
  } catch (err) {
    return { ok: false, problems: [String(err)] };
  }
}

/** The OpenAPI loader's careful parse of a one-document text: errors refuse, warnings do not. */
export function carefulOpenApi(
  text: string,
): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => `${e.code}: ${e.message}`) };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, problems: [String(err)] };
  }
}

function show(text: string): string {
  return JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text);
}

/**
 * Holds fastLoadAll to both careful parses on `text`: when it accepts, the manifest parse accepts with
 * the same documents (deep strict equality: -0, NaN and prototypes count) and places each map and list
 * document where the careful parse does; for a one-document text the OpenAPI parse accepts with the same
 * value. When either careful parse refuses, fastLoadAll declines. Returns what fastLoadAll returned.
 */
export function assertAgreement(text: string, label = ""): FastLoad {
  const fast = fastLoadAll(text);
  const manifest = carefulManifest(text);
  const where = `${label ? `${label}: ` : ""}${show(text)}`;
  if (!manifest.ok) {
    assert.equal(
      fast.ok,
      false,
      `${where}: the careful parse refuses (${manifest.problems[0]}), the fast path accepts`,
    );
    return fast;
  }
  if (!fast.ok) return fast;
  assert.deepStrictEqual(fast.documents, manifest.documents, `${where}: the documents differ`);
  for (const [i, start] of manifest.starts.entries()) {
    if (start === undefined) continue;
    assert.equal(fast.starts[i], start, `${where}: document ${i} starts elsewhere`);
    assert.deepStrictEqual(
      fast.positions[i],
      manifest.positions[i],
      `${where}: document ${i}'s line and column`,
    );
  }
  if (manifest.documents.length === 1) {
    const openapi = carefulOpenApi(text);
    assert.ok(openapi.ok, `${where}: the OpenAPI parse refuses (${openapi.ok ? "" : openapi.problems[0]})`);
    assert.deepStrictEqual(fast.documents[0], openapi.value, `${where}: the OpenAPI parse's value differs`);
  }
  return fast;
}
