/**
 * `npm run bench:openapi`: how long a full OpenAPI import of a ~20 MB spec (>= 5,000 operations) takes,
 * as a ratio of a bare parse of the same file measured in the same run (docs/benchmarks.md: ratios, not
 * absolute targets). Targets: JSON import <= 3 × JSON.parse; YAML import <= 1.5 × js-yaml's `load` (the
 * fastest well-kept YAML parser, the one the import's fast path is built on). The `yaml` package's bare
 * parse of the YAML file is measured too, for reference: it is what a YAML import cost before the fast
 * path, and the floor of a file that the fast path declines.
 *
 * Each repetition of each measurement runs in a fresh child process (bench/openapi/measure.ts), so runs do
 * not share a warm heap, JIT or caches: each is what one CLI invocation pays. Baselines and import runs
 * alternate, so drift on the machine affects all alike. Medians are reported, with each process's peak
 * resident memory.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_JSON, SPEC_YAML, writeSpecs } from "./make-spec.ts";

const here = dirname(fileURLToPath(import.meta.url));
const measureScript = join(here, "measure.ts");
/** YAML's `yaml` parse (the reference) takes seconds: fewer YAML repetitions keep the bench near a minute. */
const REPETITIONS = {
  json: Number(process.env.BENCH_REPETITIONS_JSON ?? 7),
  yaml: Number(process.env.BENCH_REPETITIONS_YAML ?? 5),
} as const;

type Mode = "json-parse" | "js-yaml-parse" | "yaml-parse" | "import";

interface Baseline {
  mode: Mode;
  label: string;
  /** The import's ratio to it must be at most this; undefined: shown for reference only. */
  target?: number;
}

const jsYamlVersion = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve("js-yaml/package.json"), "utf8")) as {
    version: string;
  }
).version;

const FORMATS: { format: "json" | "yaml"; file: string; baselines: Baseline[] }[] = [
  { format: "json", file: SPEC_JSON, baselines: [{ mode: "json-parse", label: "JSON.parse", target: 3 }] },
  {
    format: "yaml",
    file: SPEC_YAML,
    baselines: [
      { mode: "js-yaml-parse", label: `js-yaml ${jsYamlVersion} load`, target: 1.5 },
      { mode: "yaml-parse", label: "yaml parse" },
    ],
  },
];

interface Sample {
  ms: number;
  operations: number;
  maxRssMb: number;
}

function measure(mode: Mode, file: string): Sample {
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
  file: string;
  size: number;
  operations: number;
  samples: Map<Mode, Sample[]>;
  baselines: Baseline[];
}
const rows: Row[] = [];
for (const { format, file, baselines } of FORMATS) {
  const row: Row = {
    format,
    file,
    size: statSync(file).size,
    operations: 0,
    samples: new Map(),
    baselines,
  };
  const order: Mode[] = [...baselines.map((b) => b.mode), "import"];
  for (let i = 0; i < REPETITIONS[format]; i++) {
    // Rotate the order each repetition, so no measurement always follows the same one.
    for (let j = 0; j < order.length; j++) {
      const mode = order[(i + j) % order.length] as Mode;
      const sample = measure(mode, file);
      if (mode === "import") row.operations = sample.operations;
      row.samples.set(mode, [...(row.samples.get(mode) ?? []), sample]);
    }
    process.stdout.write(".");
  }
  rows.push(row);
}
process.stdout.write("\n\n");

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const msOf = (row: Row, mode: Mode) => (row.samples.get(mode) ?? []).map((s) => s.ms);
const rssOf = (row: Row, mode: Mode) => median((row.samples.get(mode) ?? []).map((s) => s.maxRssMb));
const lines = [
  ["file", "size", "operations", "runs", "bare parse", "median", "full import (median)", "ratio", "target"],
];
let allMet = true;
for (const row of rows) {
  const imp = median(msOf(row, "import"));
  for (const baseline of row.baselines) {
    const base = median(msOf(row, baseline.mode));
    const ratio = imp / base;
    const met = baseline.target === undefined || ratio <= baseline.target;
    allMet &&= met;
    lines.push([
      relative(process.cwd(), row.file),
      `${(row.size / (1024 * 1024)).toFixed(1)} MB`,
      String(row.operations),
      String(msOf(row, baseline.mode).length),
      baseline.label,
      fmt(base),
      fmt(imp),
      `${ratio.toFixed(2)}x`,
      baseline.target === undefined ? "(reference)" : `<= ${baseline.target}x: ${met ? "yes" : "NO"}`,
    ]);
  }
}
const widths = lines[0]?.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length))) ?? [];
for (const line of lines) console.log(line.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
console.log();
for (const row of rows) {
  const modes: Mode[] = [...row.baselines.map((b) => b.mode), "import"];
  console.log(
    `${row.format}: ${modes
      .map(
        (m) =>
          `${m} ${msOf(row, m)
            .map((x) => x.toFixed(0))
            .join(", ")} ms`,
      )
      .join("; ")}`,
  );
  console.log(
    `${row.format} peak RSS (median): ${modes.map((m) => `${m} ${rssOf(row, m).toFixed(0)} MB`).join("; ")}`,
  );
}
console.log(
  `\nbare parse = read the file + JSON.parse / js-yaml load / yaml parse; full import = importSpec (read,`,
);
console.log(
  `checks, parse, $ref and __proto__ scan, schema validation, scope generation). Each run in a fresh process.`,
);
console.log(
  `targets ${allMet ? "met" : "NOT met"}; bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`,
);
process.exitCode = allMet ? 0 : 1;
