/**
 * `npm run bench:resource-server` (docs/benchmarks.md#resource-server): what scopectl/express costs an
 * API per request, and how route matching grows with the spec.
 *
 * 1. HTTP: the same Express app over the catalog spec (config/specs/), each mode in its own process,
 *    loaded by autocannon in another (http-server.ts, http-load.ts): `express` (no authorization, the
 *    floor), `baseline` (a bare jose `jwtVerify` with a local key set and the scope checked by hand) and
 *    `middleware` (`resourceServer({ issuer, audience, spec, keys })`), all listening at once, loaded in
 *    turn in slices of BENCH_SECONDS for BENCH_ROUNDS rounds (the baseline and the middleware adjacent,
 *    first in turn). Target: middleware <= 1.2x the baseline's time per request (the median of the
 *    rounds' ratios), reported both from requests/s and from the server's CPU time per request.
 * 2. In-process: `server.check()` against the bare `jwtVerify` + scope check, one call after the other,
 *    alternating in batches within each of BENCH_REPETITIONS fresh processes (check-time.ts).
 * 3. Route matching: RouteTable.fromDocument of the bench spec (bench/openapi/make-spec.ts) and of
 *    generated specs of 100 to 100,000 operations, one process each (match-time.ts).
 * Medians throughout. Prints tables and writes the figures to bench/out/resource-server/. Exits non-zero
 * on an error only, not on a missed target.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { routeTableOfFile } from "../../src/resource-server/spec-routes.ts";
import { OUT_DIR, SPEC_JSON, writeSpecs } from "../openapi/make-spec.ts";
import { CONNECTIONS, type Load, TSX } from "../token/harness.ts";
import { loadOnce, type Server, type ServerMode, withServers } from "./http-load.ts";
import { median } from "./stats.ts";
import { ALG, CATALOG_SPEC, signedToken } from "./tokens.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGET_RATIO = 1.2;
/** HTTP: seconds per slice of load, and how many rounds of one slice per mode. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const WARM_UP = 2;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 4);
const SIZES = (process.env.BENCH_ROUTE_SIZES ?? "100,1000,10000,100000").split(",").map(Number);
const PARTS = new Set((process.env.BENCH_PARTS ?? "http,calls,routes").split(","));
const outDir = path.join(OUT_DIR, "resource-server");

const started = performance.now();
mkdirSync(outDir, { recursive: true });
const catalog = await routeTableOfFile(CATALOG_SPEC);
// A realistic token: every scope of the API, of which the route needs one.
const { jwks, token } = await signedToken(catalog.scopes());
const jwksFile = path.join(outDir, "jwks.json");
writeFileSync(jwksFile, JSON.stringify(jwks));

function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const out = execFileSync(process.execPath, ["--import", TSX, path.join(here, script), ...args], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  return out.trim().split("\n").at(-1) ?? "";
}

function table(rows: string[][]): void {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
  console.log();
}

const us = (x: number) => `${x.toFixed(1)} us`;
const ratio = (x: number) => `${x.toFixed(2)}x`;
const figures: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  alg: ALG,
  connections: CONNECTIONS,
  seconds: SECONDS,
  rounds: ROUNDS,
  repetitions: REPETITIONS,
};
let allMet = true;

if (PARTS.has("http")) {
  const modes: ServerMode[] = ["express", "baseline", "middleware"];
  const runs: Record<ServerMode, Load[]> = { express: [], baseline: [], middleware: [] };
  await withServers(modes, { jwksFile, token, warmUp: WARM_UP }, async (servers) => {
    const [express, baseline, middleware] = servers as [Server, Server, Server];
    for (let round = 0; round < ROUNDS; round++) {
      // Short slices, the baseline and the middleware next to each other and first in turn, so that
      // the drift of a shared machine falls on both alike; the floor before them.
      const order = round % 2 === 0 ? [express, baseline, middleware] : [express, middleware, baseline];
      for (const server of order) {
        runs[server.mode].push(loadOnce(server, token, SECONDS));
        process.stdout.write(".");
      }
    }
  });
  process.stdout.write("\n\n");
  /** Middleware over baseline in each round (adjacent slices), then the median of the rounds. */
  const paired = (of: (l: Load) => number) =>
    median(runs.middleware.map((l, i) => of(l) / of(runs.baseline[i] as Load)));
  const summaryOf = (loads: readonly Load[]) => {
    const rate = median(loads.map((l) => l.rate));
    return {
      rate,
      usPerRequest: 1e6 / rate,
      p50: median(loads.map((l) => l.p50)),
      p99: median(loads.map((l) => l.p99)),
      cpuPerRequest: median(loads.map((l) => l.cpuPerRequest ?? Number.NaN)),
      runs: loads,
    };
  };
  const summary = {
    express: summaryOf(runs.express),
    baseline: summaryOf(runs.baseline),
    middleware: summaryOf(runs.middleware),
  };
  const timeRatio = paired((l) => 1 / l.rate);
  const cpuRatio = paired((l) => l.cpuPerRequest ?? Number.NaN);
  allMet &&= timeRatio <= TARGET_RATIO;
  console.log(
    `HTTP: GET /catalog/products/{productId}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per mode (medians), ${ALG}`,
  );
  table([
    ["mode", "requests/s", "time/request", "p50", "p99", "server CPU/request", "rounds (requests/s)"],
    ...modes.map((mode) => [
      mode,
      summary[mode].rate.toFixed(0),
      us(summary[mode].usPerRequest),
      `${summary[mode].p50} ms`,
      `${summary[mode].p99} ms`,
      us(summary[mode].cpuPerRequest),
      runs[mode].map((l) => l.rate.toFixed(0)).join(", "),
    ]),
  ]);
  console.log(
    `middleware / baseline (median of the rounds' ratios): time per request ${ratio(timeRatio)} (target <= ${TARGET_RATIO}x: ${timeRatio <= TARGET_RATIO ? "met" : "NOT met"}), server CPU per request ${ratio(cpuRatio)}`,
  );
  console.log(
    `authorization's CPU per request over bare Express: baseline ${us(summary.baseline.cpuPerRequest - summary.express.cpuPerRequest)}, middleware ${us(summary.middleware.cpuPerRequest - summary.express.cpuPerRequest)}\n`,
  );
  figures.http = { ...summary, timeRatio, cpuRatio };
}

if (PARTS.has("calls")) {
  interface Calls {
    jwtVerify: { us: number; cpuUs: number };
    check: { us: number; cpuUs: number };
    ratio: number;
    cpuRatio: number;
    pairs: number;
  }
  const runs: Calls[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    runs.push(
      JSON.parse(node("check-time.ts", [jwksFile, String(CALL_SECONDS)], { BENCH_TOKEN: token })) as Calls,
    );
    process.stdout.write(".");
  }
  process.stdout.write("\n\n");
  const of = (pick: (c: Calls) => number) => median(runs.map(pick));
  const summary = {
    jwtVerify: { us: of((c) => c.jwtVerify.us), cpuUs: of((c) => c.jwtVerify.cpuUs) },
    check: { us: of((c) => c.check.us), cpuUs: of((c) => c.check.cpuUs) },
    ratio: of((c) => c.ratio),
    cpuRatio: of((c) => c.cpuRatio),
  };
  allMet &&= summary.ratio <= TARGET_RATIO;
  console.log(
    `In-process, one call after the other, both alternating in batches of 100 in each of ${REPETITIONS} processes (medians)`,
  );
  table([
    ["call", "time/call", "CPU/call", "runs (time/call)"],
    ...(["jwtVerify", "check"] as const).map((mode) => [
      mode === "jwtVerify" ? "jwtVerify + scope check" : "server.check()",
      us(summary[mode].us),
      us(summary[mode].cpuUs),
      runs.map((c) => us(c[mode].us)).join(", "),
    ]),
  ]);
  console.log(
    `server.check() / jwtVerify: time ${ratio(summary.ratio)} (runs ${runs.map((c) => ratio(c.ratio)).join(", ")}; target <= ${TARGET_RATIO}x: ${summary.ratio <= TARGET_RATIO ? "met" : "NOT met"}), CPU ${ratio(summary.cpuRatio)}\n`,
  );
  figures.calls = { ...summary, runs };
}

if (PARTS.has("routes")) {
  if (!existsSync(SPEC_JSON)) {
    console.log("generating the benchmark specs...");
    writeSpecs();
  }
  interface Timing {
    paths: number;
    p50: number;
    p99: number;
    batchMean: number;
  }
  interface Matching {
    operations: number;
    firstBuildMs: number;
    buildMs: number;
    timerNs: number;
    wrong: number;
    hit: Timing;
    samePath?: Timing;
    deepMiss?: Timing;
    shallowMiss?: Timing;
  }
  const sources: Array<[string, string]> = [
    ...SIZES.map((n): [string, string] => [`generated ${n.toLocaleString("en")}`, String(n)]),
    [`bench spec (${path.basename(SPEC_JSON)})`, SPEC_JSON],
  ];
  const results: Array<[string, Matching]> = [];
  for (const [name, source] of sources) {
    results.push([name, JSON.parse(node("match-time.ts", [source])) as Matching]);
    process.stdout.write(".");
  }
  process.stdout.write("\n\n");
  const ns = (t: Timing | undefined, key: keyof Timing) => (t ? `${(t[key] / 1000).toFixed(2)}` : "-");
  console.log("Route matching (per match, us: p50 / p99 of single timed matches, mean of batches)");
  table([
    [
      "spec",
      "operations",
      "build (first, median)",
      "us/op",
      "random hits p50/p99/mean",
      "same path",
      "deep miss",
      "unknown prefix",
      "wrong",
    ],
    ...results.map(([name, r]) => [
      name,
      r.operations.toLocaleString("en"),
      `${r.firstBuildMs.toFixed(0)}, ${r.buildMs.toFixed(0)} ms`,
      ((r.buildMs * 1000) / r.operations).toFixed(1),
      `${ns(r.hit, "p50")} / ${ns(r.hit, "p99")} / ${ns(r.hit, "batchMean")}`,
      `${ns(r.samePath, "p50")} / ${ns(r.samePath, "p99")} / ${ns(r.samePath, "batchMean")}`,
      `${ns(r.deepMiss, "p50")} / ${ns(r.deepMiss, "p99")} / ${ns(r.deepMiss, "batchMean")}`,
      `${ns(r.shallowMiss, "p50")} / ${ns(r.shallowMiss, "p99")} / ${ns(r.shallowMiss, "batchMean")}`,
      String(r.wrong),
    ]),
  ]);
  console.log(`(each single timing includes the timer's own ~${results[0]?.[1].timerNs ?? "?"} ns)`);
  if (results.some(([, r]) => r.wrong > 0)) {
    console.error("some concrete paths matched another operation than their own");
    process.exitCode = 1;
  }
  figures.routes = Object.fromEntries(results);
}

const file = path.join(outDir, `run-${(figures.date as string).replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
console.log(
  `\nfigures written to ${path.relative(process.cwd(), file)}; target ${allMet ? "met" : "NOT met"}; bench took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
