/**
 * `npm run bench:upload`: uploading the ~20 MB bench spec (bench/openapi/make-spec.ts) over HTTP to
 * `scopectl serve`, as a ratio of `scopectl openapi preview --json` of the same file measured in the same
 * run (docs/benchmarks.md#openapi-upload). Target: upload <= 1.5 × preview, for JSON and for YAML.
 *
 * Set up once: the tenant of server.ts applied to an SQLite file, `scopectl serve` in its own process.
 * Then per repetition, alternating, each in a fresh process:
 *   - baseline: `scopectl openapi preview FILE --json`, stdout to /dev/null; its process's wall time;
 *   - subject: upload-once.ts, a client credentials token and the PUT; the time from the token request's
 *     start to the answer's end (and its process's wall time, beside). Every upload is a first import:
 *     between repetitions, outside the measured time, the import is deleted (DELETE .../openapi), so
 *     each PUT creates every scope again rather than finding the spec unchanged.
 * The server's CPU time (all its threads, from /proc) is read before the upload and right after its
 * answer, and again once it is idle (after it reloaded its snapshot of the store). Medians are reported.
 * The store's import history grows by two records (the upload, the DELETE) per repetition, and an upload
 * reads that history (with each record's log) while it decides, so later repetitions pay a little more:
 * the output lists how many records each upload found.
 * Exits non-zero on an error only, not on a missed target.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_JSON, SPEC_YAML, writeSpecs } from "../openapi/make-spec.ts";
import { cpuSeconds, root, TSX } from "../token/harness.ts";
import { API, CLIENT_ID, settle, type UploadServer, withUploadServer } from "./server.ts";

const TARGET_RATIO = 1.5;
const REPETITIONS = {
  json: Number(process.env.BENCH_REPETITIONS_JSON ?? 5),
  yaml: Number(process.env.BENCH_REPETITIONS_YAML ?? 3),
} as const;
const uploadScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "upload-once.ts");

interface Upload {
  ms: number;
  tokenMs: number;
  putMs: number;
  answerBytes: number;
  action: string;
  changed: boolean;
  log: number;
}

interface Run {
  preview: number;
  upload: Upload;
  uploadProcess: number;
  cpuAtAnswer: number;
  cpuSettled: number;
  /** Import records in the store before this upload: each upload and each DELETE adds one. */
  history: number;
}

function timed(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; dropStdout?: boolean }) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 1024 * 1024,
    stdio: ["ignore", options.dropStdout ? "ignore" : "pipe", "pipe"],
  });
  const ms = performance.now() - started;
  if (child.status !== 0) {
    const why = child.error?.message ?? child.signal ?? `exited ${child.status}`;
    throw new Error(`${args.slice(2).join(" ")}: ${why}: ${child.stderr.slice(0, 2000)}`);
  }
  return { ms, stdout: child.stdout };
}

function preview(server: UploadServer, file: string): number {
  // cwd: a folder without config/, so the preview is of the spec alone. stdout (a few MB of JSON) goes
  // to /dev/null.
  const args = ["--import", TSX, path.join(root, "src/cli/main.ts"), "openapi", "preview", file, "--json"];
  return timed(args, { cwd: server.dir, dropStdout: true }).ms;
}

async function token(server: UploadServer): Promise<string> {
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${server.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", audience: server.audience }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Deletes the active import (outside the measured time), so that the next upload is a first import. */
async function deleteImport(server: UploadServer): Promise<void> {
  const res = await fetch(`${server.url}/v1/apis/${API}/openapi`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${await token(server)}` },
  });
  if (res.status !== 200) throw new Error(`DELETE import: ${res.status} ${await res.text()}`);
  await settle(server.pid);
}

async function upload(server: UploadServer, file: string) {
  const before = cpuSeconds(server.pid);
  const { ms, stdout } = timed(
    ["--import", TSX, uploadScript, server.url, server.audience, API, CLIENT_ID, file],
    { cwd: server.dir, env: { BENCH_CLIENT_SECRET: server.clientSecret } },
  );
  const cpuAtAnswer = cpuSeconds(server.pid) - before;
  await settle(server.pid);
  const cpuSettled = cpuSeconds(server.pid) - before;
  const result = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Upload;
  if (result.action !== "upload" || !result.changed) {
    throw new Error(`expected a first import, got ${result.action} (changed: ${result.changed})`);
  }
  return { upload: result, uploadProcess: ms, cpuAtAnswer, cpuSettled };
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

const runs = await withUploadServer(async (server) => {
  const byFormat: Record<string, Run[]> = { json: [], yaml: [] };
  let history = 0;
  try {
    for (const [format, file] of [
      ["json", SPEC_JSON],
      ["yaml", SPEC_YAML],
    ] as const) {
      for (let i = 0; i < REPETITIONS[format]; i++) {
        const previewMs = preview(server, file);
        await settle(server.pid);
        const measured = await upload(server, file);
        byFormat[format]?.push({ preview: previewMs, ...measured, history });
        await deleteImport(server);
        history += 2;
        process.stdout.write(".");
      }
    }
  } catch (error) {
    console.error(`\nscopectl serve said:\n${(await server.log()).slice(-4000)}`);
    throw error;
  }
  return byFormat;
});
process.stdout.write("\n\n");

const ms = (x: number) => `${x.toFixed(0)} ms`;
const lines = [
  [
    "file",
    "size",
    "runs",
    "preview",
    "upload (request)",
    "ratio",
    `<= ${TARGET_RATIO}x`,
    "upload (process)",
    "ratio",
    "server CPU (answer)",
    "(idle)",
  ],
];
let allMet = true;
for (const [format, file] of [
  ["json", SPEC_JSON],
  ["yaml", SPEC_YAML],
] as const) {
  const rows = runs[format] ?? [];
  const base = median(rows.map((r) => r.preview));
  const request = median(rows.map((r) => r.upload.ms));
  const processMs = median(rows.map((r) => r.uploadProcess));
  const ratio = request / base;
  allMet &&= ratio <= TARGET_RATIO;
  lines.push([
    path.relative(process.cwd(), file),
    `${(statSync(file).size / (1024 * 1024)).toFixed(1)} MB`,
    String(rows.length),
    ms(base),
    ms(request),
    `${ratio.toFixed(2)}x`,
    ratio <= TARGET_RATIO ? "yes" : "NO",
    ms(processMs),
    `${(processMs / base).toFixed(2)}x`,
    `${(median(rows.map((r) => r.cpuAtAnswer)) * 1000).toFixed(0)} ms`,
    `${(median(rows.map((r) => r.cpuSettled)) * 1000).toFixed(0)} ms`,
  ]);
}
const widths = lines[0]?.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length))) ?? [];
for (const line of lines) console.log(line.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
console.log();
for (const [format, rows] of Object.entries(runs)) {
  const list = (f: (r: Run) => number) => rows.map((r) => f(r).toFixed(0)).join(", ");
  console.log(`${format}: preview ${list((r) => r.preview)} ms`);
  console.log(
    `${format}: upload ${list((r) => r.upload.ms)} ms (token ${list((r) => r.upload.tokenMs)}; PUT ${list((r) => r.upload.putMs)}); process ${list((r) => r.uploadProcess)} ms`,
  );
  console.log(
    `${format}: server CPU ${list((r) => r.cpuAtAnswer * 1000)} ms at the answer, ${list((r) => r.cpuSettled * 1000)} ms once idle; ${rows[0]?.upload.log ?? 0} log entries, answer ${((rows[0]?.upload.answerBytes ?? 0) / 1e6).toFixed(1)} MB`,
  );
  console.log(`${format}: import records in the store before each upload: ${list((r) => r.history)}`);
}
console.log(
  `\npreview = \`scopectl openapi preview FILE --json\` in a fresh process (its wall time, start to exit);`,
);
console.log(
  `upload (request) = a fresh process's client credentials token + PUT /v1/apis/${API}/openapi, from the token`,
);
console.log(
  `request's start to the answer's end; (process) = that process's wall time. Every upload is a first import`,
);
console.log(
  `(the import is deleted between repetitions, outside the measured time). Server CPU: all its threads,`,
);
console.log(
  `from before the upload to its answer, and to when it is idle again (after the snapshot reload).`,
);
console.log(
  `target ${allMet ? "met" : "NOT met"}; bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`,
);
