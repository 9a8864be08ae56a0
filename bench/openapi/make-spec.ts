/**
 * Writes a large, deterministic OpenAPI 3.0 spec (about 20 MB, more than 5,000 operations) as JSON and
 * as YAML into bench/out/, for the import benchmark. Deterministic (seeded PRNG, no clock) so that two
 * runs on two machines measure the same bytes. The shape mimics real specs: nested resources with path
 * parameters, some very long paths (names cut with a hash suffix), operations without summary or
 * operationId, two paths that normalize to one name, and shared component schemas reached by `$ref`.
 *
 * Run directly (`tsx bench/openapi/make-spec.ts`) or through bench/openapi/run.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "out");
export const SPEC_JSON = join(OUT_DIR, "openapi-large.json");
export const SPEC_YAML = join(OUT_DIR, "openapi-large.yaml");

/**
 * Target size of the (pretty-printed) JSON variant: just under the 20 MB import limit, whether one reads MB as 10^6 or 2^20 bytes. The YAML variant
 * of the same document comes out somewhat smaller.
 */
const TARGET_BYTES = 19 * 1024 * 1024;
const MIN_OPERATIONS = 5_000;

/** mulberry32: tiny, fast, seedable; quality is irrelevant here, determinism is what matters. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = (
  "account order invoice customer product catalog shipment payment refund subscription plan price " +
  "tenant user group role permission audit event webhook token session report export import job " +
  "warehouse inventory supplier contract ticket comment attachment note label tag region zone"
).split(" ");

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function makeSpec(): Record<string, Json> {
  const rnd = prng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const words = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(" ");

  const schemas: Record<string, Json> = {};
  for (let i = 0; i < 400; i++) {
    const props: Record<string, Json> = {};
    for (let p = 0; p < 12; p++) {
      props[`${pick(WORDS)}_${p}`] = {
        type: pick(["string", "integer", "boolean", "number"]),
        description: words(8),
      };
    }
    schemas[`Model${i}`] = {
      type: "object",
      description: words(12),
      required: [`${Object.keys(props)[0]}`],
      properties: props,
    };
  }
  schemas.Error = {
    type: "object",
    required: ["code", "message"],
    properties: { code: { type: "string" }, message: { type: "string" } },
  };

  /** Size of `value` once pretty-printed (indent 1) `depth` levels deep in the document. */
  const sizeAt = (value: Json, depth: number): number => {
    const text = JSON.stringify(value, null, 1);
    let lines = 0;
    for (let c = 0; c < text.length; c++) if (text.charCodeAt(c) === 10) lines++;
    return text.length + lines * depth + 40;
  };
  const paths: Record<string, Json> = {};
  const methods = ["get", "post", "put", "patch", "delete", "options", "head", "trace"] as const;
  let operations = 0;
  let bytes = sizeAt(schemas, 2) + 2_000;
  let i = 0;
  while (operations < MIN_OPERATIONS || bytes < TARGET_BYTES) {
    const a = pick(WORDS);
    const b = pick(WORDS);
    let path = `/v${1 + (i % 3)}/${a}s/{${a}Id}/${b}-items/${i}`;
    if (i % 97 === 0) {
      // Long paths: their names exceed 64 characters and get a hash suffix.
      path += `/${words(6).replaceAll(" ", "/")}/{${b}Id}/very-long-segment-name-${i}`;
    }
    const item: Record<string, Json> = {
      parameters: [{ name: `${a}Id`, in: "path", required: true, schema: { type: "string" } }],
    };
    const count = 1 + Math.floor(rnd() * 4);
    const offset = Math.floor(rnd() * methods.length);
    for (let m = 0; m < count; m++) {
      const method = methods[(offset + m) % methods.length] as string;
      const op: Record<string, Json> = {
        description: words(40),
        tags: [a, b],
        parameters: [
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500 } },
          { name: "cursor", in: "query", description: words(10), schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: words(6),
            content: {
              "application/json": {
                schema: { $ref: `#/components/schemas/Model${Math.floor(rnd() * 400)}` },
              },
            },
          },
          "404": {
            description: "Not found",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
          default: {
            description: words(5),
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        },
      };
      // Some operations lack a summary, some also an operationId: the description falls back.
      const r = rnd();
      if (r > 0.2) op.summary = `${method.toUpperCase()} ${words(4)}`;
      if (r > 0.1) op.operationId = `${method}${a}${b}${i}`;
      if (method === "post" || method === "put" || method === "patch") {
        op.requestBody = {
          required: true,
          content: { "application/json": { schema: { $ref: `#/components/schemas/Model${i % 400}` } } },
        };
      }
      item[method] = op;
      operations++;
    }
    paths[path] = item;
    bytes += sizeAt(item, 2) + path.length;
    i++;
  }
  // Two paths that normalize to one name: the later is reported as a duplicate.
  paths["/health-check"] = { get: { summary: "Health", responses: { "200": { description: "OK" } } } };
  paths["/health_check"] = { get: { responses: { "200": { description: "OK" } } } };

  return {
    openapi: "3.0.3",
    info: { title: "Large benchmark API", version: "1.0.0", description: words(30) },
    servers: [{ url: "https://api.example.com" }],
    paths,
    components: { schemas },
  };
}

export function writeSpecs(): { json: string; yaml: string } {
  mkdirSync(OUT_DIR, { recursive: true });
  const spec = makeSpec();
  writeFileSync(SPEC_JSON, JSON.stringify(spec, null, 1));
  // No anchors/aliases: every object in `spec` is distinct, and lineWidth 0 keeps long lines unfolded.
  writeFileSync(SPEC_YAML, stringify(spec, { aliasDuplicateObjects: false, lineWidth: 0 }));
  return { json: SPEC_JSON, yaml: SPEC_YAML };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const out = writeSpecs();
  console.log(`wrote ${out.json} and ${out.yaml} in ${Math.round(performance.now() - started)} ms`);
}
