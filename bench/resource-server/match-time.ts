/**
 * Route matching, in its own process (spawned by run.ts): a RouteTable built from one spec, then its
 * `match` timed on concrete requests.
 *
 *   match-time.ts FILE        a spec file (JSON), read and parsed outside the clock: the bench spec
 *   match-time.ts N           the generated spec of N operations (make-routes-spec.ts)
 *
 * Prints one line of JSON:
 *   - build: `RouteTable.fromDocument(doc)`'s first run (what an API pays once at start-up) and the
 *     median of up to 5 runs;
 *   - hits: up to SAMPLE operations drawn at random, each as a concrete path (base path, parameters
 *     filled with random ids, `{id}.json` as `7k2q.json`), matched in a shuffled order; each match timed
 *     on its own (process.hrtime.bigint, whose own cost is reported as `timerNs` and included), p50 and
 *     p99, and the mean over batches of 1,000 as a cross-check. Every hit must find its own operation:
 *     `wrong` counts those that did not (0 unless the matcher is wrong);
 *   - the same path, one concrete path of the first templated operation matched over and over: its tree
 *     nodes stay in the CPU's caches, so this is the walk's own cost, without the cache misses that random
 *     paths over a large table add;
 *   - misses: the same paths with one more segment (`.../zz-unknown`: the search walks the whole path,
 *     backtracks, then tries again leniently), and paths under an unknown first segment.
 */
import { readFileSync } from "node:fs";
import { type RouteOperation, RouteTable } from "../../src/resource-server/route-table.ts";
import { prng } from "../openapi/make-spec.ts";
import { makeRoutesSpec } from "./make-routes-spec.ts";
import { median, percentile } from "./stats.ts";

const SAMPLE = 10_000;
const TIMED_MATCHES = 50_000;
const BATCH = 1_000;

const source = process.argv[2];
if (!source) {
  console.error("usage: match-time.ts FILE|OPERATIONS");
  process.exit(2);
}
const doc = /^\d+$/.test(source)
  ? makeRoutesSpec(Number(source))
  : (JSON.parse(readFileSync(source, "utf8")) as Record<string, unknown>);

const builds: number[] = [];
let table: RouteTable | undefined;
const buildStarted = performance.now();
while (builds.length < 5 && (builds.length === 0 || performance.now() - buildStarted < 2_000)) {
  const started = performance.now();
  table = RouteTable.fromDocument(doc);
  builds.push(performance.now() - started);
}
if (!table) throw new Error("no table");
const routes = table;

const rnd = prng(9068);
const id = () => `${Math.floor(rnd() * 10)}${Math.floor(rnd() * 36 ** 5).toString(36)}`;
const shadowed = new Set(routes.shadowed.map((s) => s.operation));
const candidates = routes.operations.filter((o) => !shadowed.has(o));
const sample = Array.from(
  { length: Math.min(SAMPLE, candidates.length * 4) },
  () => candidates[Math.floor(rnd() * candidates.length)],
).filter((o) => o !== undefined);
const servers = doc.servers as Array<{ url: string }> | undefined;
const base = servers?.[0] ? new URL(servers[0].url).pathname.replace(/\/+$/, "") : "";

interface Request {
  method: string;
  path: string;
}
const requestOf = (o: RouteOperation): Request => ({
  method: o.method.toUpperCase(),
  path: `${base}${o.path.replace(/\{[^{}]*\}/g, id)}`,
});
const hits = sample.map((o) => ({ request: requestOf(o), operation: o }));
// One path matched again and again: its nodes stay in the CPU's caches, so this is the walk's own cost.
const hotOperation = candidates.find((o) => o.path.includes("{"));
const hot = hotOperation ? [requestOf(hotOperation)] : [];
let wrong = 0;
for (const { request, operation } of hits) {
  const found = routes.match(request.method, request.path)?.operation;
  if (found !== operation) wrong++;
}
const deepMisses = hits
  .map(({ request }) => ({ method: request.method, path: `${request.path}/zz-unknown` }))
  .filter((r) => routes.match(r.method, r.path) === undefined);
const shallowMisses = hits
  .map(({ request }) => ({ method: request.method, path: `/zz-unknown${request.path}` }))
  .filter((r) => routes.match(r.method, r.path) === undefined);

function timerNs(): number {
  const samples: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = process.hrtime.bigint();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return median(samples);
}

/** p50/p99 of single matches (ns) and the batch mean (ns per match). */
function timed(requests: readonly Request[]) {
  if (requests.length === 0) return undefined;
  // Warm-up: every request once, so the first timings are not of cold code.
  for (const r of requests) routes.match(r.method, r.path);
  const single: number[] = [];
  for (let i = 0; i < TIMED_MATCHES; i++) {
    const r = requests[i % requests.length] as Request;
    const t0 = process.hrtime.bigint();
    routes.match(r.method, r.path);
    single.push(Number(process.hrtime.bigint() - t0));
  }
  const batches: number[] = [];
  for (let b = 0; b < TIMED_MATCHES / BATCH; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) {
      const r = requests[(b * BATCH + i) % requests.length] as Request;
      routes.match(r.method, r.path);
    }
    batches.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
  return {
    paths: requests.length,
    p50: percentile(single, 0.5),
    p99: percentile(single, 0.99),
    batchMean: median(batches),
  };
}

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

console.log(
  JSON.stringify({
    operations: routes.operations.length,
    shadowed: routes.shadowed.length,
    firstBuildMs: builds[0],
    buildMs: median(builds),
    builds: builds.length,
    timerNs: timerNs(),
    wrong,
    hit: timed(shuffled(hits.map((h) => h.request))),
    samePath: timed(hot),
    samePathTemplate: hotOperation ? `${hotOperation.method} ${hotOperation.path}` : undefined,
    deepMiss: timed(shuffled(deepMisses)),
    shallowMiss: timed(shuffled(shallowMisses)),
  }),
);
