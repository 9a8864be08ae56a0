/**
 * `npm run bench:openapi`: how long a full OpenAPI import of a ~20 MB spec (>= 5,000 operations) takes,
 * as a ratio of a bare parse of the same file measured in the same run (docs/benchmarks.md: ratios, not absolute
 * targets). Target: import <= 3 × bare parse, for JSON and for YAML.
 *
 * Each repetition of each measurement runs in a fresh child process (bench/openapi/measure.ts), so runs do
 * not share a warm heap, JIT or caches: each is what one CLI invocation pays. Baseline and import runs
 * alternate, so drift on the machine affects both alike. Medians are reported.
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_JSON, SPEC_YAML, writeSpecs } from "./make-spec.ts";

const here = dirname(fileURLToPath(import.meta.url));
const measureScript = join(here, "measure.ts");
const TARGET_RATIO = 3;
/** JSON runs are fast; YAML parses take seconds, so fewer repetitions keep the bench under ~3 minutes. */
const REPETITIONS = { json: 7, yaml: 3 } as const;

interface Sample {
  ms: number;
  operations: number;
}

function measure(mode: "baseline" | "import", file: string): Sample {
  const out = execFileSync(process.execPath, ["--import", "tsx", measureScript, mode, file], {
    encoding: "utf8",
    maxBuffer: 1024 * 1024,
  });
  const last = out.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as Sample;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const benchStarted = performance.now();
if (!existsSync(SPEC_JSON) || !existsSync(SPEC_YAML)) {
  console.log("generating the benchmark specs...");
  writeSpecs();
}

interface Row {
  format: string;
  size: number;
  operations: number;
  baseline: number[];
  imported: number[];
}
const rows: Row[] = [];
for (const [format, file] of [
  ["json", SPEC_JSON],
  ["yaml", SPEC_YAML],
] as const) {
  const row: Row = { format, size: statSync(file).size, operations: 0, baseline: [], imported: [] };
  for (let i = 0; i < REPETITIONS[format]; i++) {
    row.baseline.push(measure("baseline", file).ms);
    const run = measure("import", file);
    row.imported.push(run.ms);
    row.operations = run.operations;
    process.stdout.write(".");
  }
  rows.push(row);
}
process.stdout.write("\n\n");

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const lines = [
  [
    "file",
    "size",
    "operations",
    "runs",
    "bare parse (median)",
    "full import (median)",
    "ratio",
    `<= ${TARGET_RATIO}x`,
  ],
];
let allMet = true;
for (const row of rows) {
  const base = median(row.baseline);
  const imp = median(row.imported);
  const ratio = imp / base;
  const met = ratio <= TARGET_RATIO;
  allMet &&= met;
  lines.push([
    relative(process.cwd(), row.format === "json" ? SPEC_JSON : SPEC_YAML),
    `${(row.size / (1024 * 1024)).toFixed(1)} MB`,
    String(row.operations),
    String(row.baseline.length),
    fmt(base),
    fmt(imp),
    `${ratio.toFixed(2)}x`,
    met ? "yes" : "NO",
  ]);
}
const widths = lines[0]?.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length))) ?? [];
for (const line of lines) console.log(line.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
console.log();
for (const row of rows) {
  console.log(
    `${row.format}: bare parse ${row.baseline.map((x) => x.toFixed(0)).join(", ")} ms; import ${row.imported.map((x) => x.toFixed(0)).join(", ")} ms`,
  );
}
console.log(
  `\nbare parse = read the file + JSON.parse / yaml parse; full import = importSpec (read, checks,`,
);
console.log(
  `parse, $ref and __proto__ scan, schema validation, scope generation). Each run in a fresh process.`,
);
console.log(
  `target ${allMet ? "met" : "NOT met"}; bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`,
);
process.exitCode = allMet ? 0 : 1;
