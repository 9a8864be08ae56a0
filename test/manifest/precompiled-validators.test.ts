/**
 * The precompiled manifest validators that `npm run build` puts in dist/ in place of
 * src/manifest/validate/validators.ts (scripts/build-startup.mjs, standalone.ts) must judge every
 * document exactly as the validators compiled at run time: same verdict, same errors (Ajv's verbose
 * errors, with the failing schema and data, which the error mapper reads). Checked on every manifest of
 * config/ and examples/ and on broken copies of each (a wrong type, an unknown field, a missing field,
 * bad formats and patterns, a value out of range).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { MANIFEST_KINDS, type ManifestKind } from "../../src/manifest/schemas/kinds.ts";
import { compileKindValidators } from "../../src/manifest/validate/compile.ts";
import { renderPrecompiledValidators } from "../../src/manifest/validate/standalone.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const REPO = path.resolve(import.meta.dirname, "../..");

/** Every scopectl/v1 document of the YAML files below `dir`. */
function manifestsIn(dir: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
    const text = readFileSync(path.join(entry.parentPath, entry.name), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (!("toJS" in doc)) continue;
      const value = doc.toJS() as unknown;
      if (
        value &&
        typeof value === "object" &&
        (value as { apiVersion?: unknown }).apiVersion === "scopectl/v1"
      ) {
        found.push(value as Record<string, unknown>);
      }
    }
  }
  return found;
}

/** Broken copies of `doc`: each changes one thing the schema checks. */
function broken(doc: Record<string, unknown>): unknown[] {
  const copy = () => structuredClone(doc) as Record<string, Record<string, unknown>>;
  const out: unknown[] = [];
  const spec = doc.spec as Record<string, unknown> | undefined;
  out.push({ ...copy(), extra: true });
  out.push({ ...copy(), metadata: { name: "Not A Name!" } });
  const { spec: _dropped, ...noSpec } = copy();
  out.push(noSpec);
  for (const key of Object.keys(spec ?? {})) {
    for (const value of [42, "x", [1], { a: 1 }, null, true, "not an email", "::not a uri", "2027-13-45"]) {
      const c = copy();
      (c.spec as Record<string, unknown>)[key] = value;
      out.push(c);
    }
  }
  const c = copy();
  (c.spec as Record<string, unknown>).unknownField = 1;
  out.push(c);
  return out;
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const kindOf = (doc: unknown): ManifestKind | undefined => {
  const kind = (doc as { kind?: unknown } | null)?.kind;
  return MANIFEST_KINDS.find((k) => k === kind);
};

describe("precompiled manifest validators", { timeout: SUITE_TIMEOUT_MS }, async () => {
  // Written inside the repository, where its `require("ajv/dist/runtime/...")` resolves as from dist/.
  const folder = path.join(REPO, "test-results");
  mkdirSync(folder, { recursive: true });
  const dir = mkdtempSync(path.join(folder, "validators-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "validators.js");
  writeFileSync(file, renderPrecompiledValidators());
  writeFileSync(path.join(dir, "package.json"), '{"type":"module"}\n');
  const precompiled = (
    (await import(pathToFileURL(file).href)) as {
      kindValidators(): ReadonlyMap<ManifestKind, ValidateFunction>;
    }
  ).kindValidators();
  const compiled = compileKindValidators();

  const valid = [...manifestsIn(path.join(REPO, "config")), ...manifestsIn(path.join(REPO, "examples"))];

  test("they export one validator per kind", () => {
    assert.deepEqual([...precompiled.keys()], [...MANIFEST_KINDS]);
  });

  test("the corpus has every kind, valid", () => {
    const kinds = new Set(valid.map(kindOf));
    for (const kind of MANIFEST_KINDS) assert.ok(kinds.has(kind), `no ${kind} in config/ or examples/`);
  });

  test("same verdict and same errors on every document and every broken copy", () => {
    let judged = 0;
    let refused = 0;
    for (const doc of valid.flatMap((d) => [d, ...broken(d)])) {
      const kind = kindOf(doc);
      if (!kind) continue;
      const a = compiled.get(kind) as ValidateFunction;
      const b = precompiled.get(kind) as ValidateFunction;
      const verdict = a(doc);
      assert.equal(b(doc), verdict, JSON.stringify(doc));
      // As JSON: the compiled errors' schemas are TypeBox's objects, with its symbol keys; the
      // precompiled ones are their JSON (the error mapper reads no symbol).
      assert.deepEqual(asJson(b.errors ?? null), asJson(a.errors ?? null), JSON.stringify(doc));
      judged++;
      if (!verdict) refused++;
    }
    assert.ok(judged > 200 && refused > judged / 2, `${judged} documents, ${refused} refused`);
  });
});
