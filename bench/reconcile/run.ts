/**
 * `npm run bench:reconcile`: plan and apply of a large tenant, each measurement in a fresh process,
 * reported as ratios to baselines measured in the same run (docs/benchmarks.md):
 *   - plans (from empty, no-op, 1% change) against reading and parsing the same YAML with js-yaml (the
 *     yaml package's parse of the same files is measured too: what every plan paid before the fast path);
 *     the no-op plan as `scopectl plan` makes it (the store's plan record answers, engine/plan-record.ts)
 *     and recomputed in full (`--recompute`);
 *   - a re-plan after a one-file change in a long-running process (a ManifestCache), against that
 *     process's first plan;
 *   - applies (from empty, 1% change), with the plan record each leaves, against raw inserts of the same
 *     rows in one SQLite transaction.
 * Targets: no-op plan <= 1.5x its baseline; re-plan <= 0.3x the first plan; apply from empty <= 3x.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SIZES, writeTenant } from "./make-tenant.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../out/reconcile");
const base = path.join(outDir, "tenant");
const changed = path.join(outDir, "tenant-changed");
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);

function measure(...args: string[]): Record<string, number> {
  const stdout = execFileSync(process.execPath, ["--import", "tsx", path.join(here, "measure.ts"), ...args], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

await mkdir(outDir, { recursive: true });
if (
  !existsSync(path.join(base, "apikeys.yaml")) ||
  !existsSync(path.join(changed, "apikeys.yaml")) ||
  process.env.BENCH_REGENERATE
) {
  process.stderr.write("generating the tenant...\n");
  await writeTenant(base, "base");
  await writeTenant(changed, "changed");
}

const samples: Record<string, number[]> = {};
const add = (name: string, value: number | undefined) => {
  if (value === undefined) return;
  samples[name] ??= [];
  samples[name].push(value);
};
const benchStarted = Date.now();
for (let rep = 0; rep < REPETITIONS; rep++) {
  const store = path.join(outDir, `store-${rep}.db`);
  const raw = path.join(outDir, `raw-${rep}.db`);
  for (const f of [store, `${store}-wal`, `${store}-shm`]) await rm(f, { force: true });
  add("parse", measure("parse", base).ms);
  add("parse-yaml", measure("parse-yaml", base).ms);
  add("raw-insert", measure("raw-insert", base, raw).ms);
  const first = measure("apply", base, store);
  add("plan from empty", first.planMs);
  add("apply from empty", first.applyMs);
  const noop = measure("plan", base, store);
  if (noop.fromRecord !== 1)
    throw new Error("the no-op plan after the apply was not answered from the plan record");
  add("no-op plan", noop.planMs);
  add("no-op, recomputed", measure("plan-recompute", base, store).planMs);
  const replan = measure("replan", base, store);
  if (replan.parsedAgain !== 1 || replan.changes !== 1)
    throw new Error(
      `the re-plan parsed ${replan.parsedAgain} files for ${replan.changes} changes (expected 1 and 1)`,
    );
  add("first plan", replan.firstMs);
  add("re-plan", replan.replanMs);
  const onePercent = measure("apply", changed, store);
  add("1% change plan", onePercent.planMs);
  add("1% change apply", onePercent.applyMs);
  process.stderr.write(
    `repetition ${rep + 1}/${REPETITIONS}: ${onePercent.changes} changes in the 1% edit\n`,
  );
  await copyFile(store, path.join(outDir, "last-store.db")).catch(() => undefined);
}

const parse = median(samples.parse ?? []);
const parseYaml = median(samples["parse-yaml"] ?? []);
const raw = median(samples["raw-insert"] ?? []);
const firstPlan = median(samples["first plan"] ?? []);
const rows: [string, number, string, number, number | undefined][] = [
  ["plan from empty", median(samples["plan from empty"] ?? []), "parse", parse, undefined],
  ["no-op plan", median(samples["no-op plan"] ?? []), "parse", parse, 1.5],
  ["no-op, recomputed", median(samples["no-op, recomputed"] ?? []), "parse", parse, undefined],
  ["1% change plan", median(samples["1% change plan"] ?? []), "parse", parse, undefined],
  ["re-plan, one file", median(samples["re-plan"] ?? []), "first plan", firstPlan, 0.3],
  ["apply from empty", median(samples["apply from empty"] ?? []), "raw inserts", raw, 3],
  ["1% change apply", median(samples["1% change apply"] ?? []), "raw inserts", raw, undefined],
];
console.log(
  `tenant: ${SIZES.apis} Apis, ${SIZES.apis * SIZES.scopesPerApi} scopes (half from OpenAPI), ${SIZES.roles} roles, ${SIZES.users} users, ${SIZES.applications} applications, ${SIZES.apiKeys} API keys; ${REPETITIONS} repetitions, medians`,
);
console.log(
  `baselines: parse ${parse.toFixed(0)} ms (js-yaml; the yaml package: ${parseYaml.toFixed(0)} ms), first plan of the long-running process ${firstPlan.toFixed(0)} ms, raw inserts ${raw.toFixed(0)} ms`,
);
console.log("measurement        ms      baseline     ratio  target");
let met = true;
for (const [name, ms, baseline, baselineMs, target] of rows) {
  const ratio = ms / baselineMs;
  const verdict = target === undefined ? "" : ratio <= target ? `<= ${target}x yes` : `<= ${target}x NO`;
  if (target !== undefined && ratio > target) met = false;
  console.log(
    `${name.padEnd(18)} ${ms.toFixed(0).padStart(6)}  ${baseline.padEnd(11)}  ${ratio.toFixed(2).padStart(5)}x  ${verdict}`,
  );
}
console.log(
  `${met ? "targets met" : "a target was missed"}; bench took ${((Date.now() - benchStarted) / 1000).toFixed(0)} s`,
);
