/**
 * `npm run bench:postgres` (issue 14): the PostgreSQL store beside SQLite, in the same run, each as a
 * ratio to a baseline of its own, on a throwaway PostgreSQL cluster this script starts (Debian's
 * PostgreSQL at its durability defaults: fsync and synchronous_commit on) and removes:
 *   - apply of the large tenant (bench/reconcile's, generated once) from empty, against one bulk INSERT
 *     of the same rows in one transaction on the same kind of store. Target: <= 3x, on both stores.
 *   - the refresh_token grant (bench/token's load: sign-ins over HTTP, then one rotating chain per
 *     connection against `scopectl serve`), against raw jose signing plus one single-row UPDATE per
 *     refresh on the same kind of store, one after the other: 1/(1/sign + 1/update). Target: >= 70%.
 *   - CPU per client credentials token (signing every token, --token-reuse 0) with one `scopectl
 *     serve` on the PostgreSQL store, and with two sharing it and the load (two load generators at
 *     once, half the connections each). No target: replicas should cost no more CPU per token.
 * Each measurement runs in its own process. BENCH_SECONDS (default 10), BENCH_REPETITIONS (default 3,
 * the applies), BENCH_REFRESH_RUNS (default 3, the refresh grant: the verdict is on the median), BENCH_ALG (default RS256), BENCH_CONNECTIONS (default 16), BENCH_PARTS (default
 * apply,refresh,replicas: which of the three run).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startPostgres } from "../../test/support/postgres.ts";
import { SIZES, writeTenant } from "../reconcile/make-tenant.ts";
import {
  CONNECTIONS,
  cpuSeconds,
  DURATION,
  type Load,
  loadAsync,
  rateOf,
  scopectlRefresh,
  signRate,
  WARM_UP,
  withScopectl,
} from "../token/harness.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const tenantDir = path.resolve(here, "../out/reconcile/tenant");
const outDir = path.resolve(here, "../out/postgres");
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
const REFRESH_RUNS = Number(process.env.BENCH_REFRESH_RUNS ?? 3);
const ALG = process.env.BENCH_ALG ?? "RS256";
const PARTS = new Set((process.env.BENCH_PARTS ?? "apply,refresh,replicas").split(",").map((p) => p.trim()));

/** The database settle() connects to (CHECKPOINT is cluster-wide: any database will do). */
let settleDatabase: string | undefined;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** bench/reconcile/measure.ts in its own process; `store` in SCOPECTL_STORE when it is a URL. */
function measure(mode: string, store: string): Record<string, number> {
  const url = store.startsWith("postgres");
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", path.resolve(here, "../reconcile/measure.ts"), mode, tenantDir, url ? "-" : store],
    {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1", ...(url ? { SCOPECTL_STORE: store } : {}) },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
}

const updateRate = (kind: "sqlite" | "postgres", url?: string) =>
  rateOf(
    path.join("..", "postgres", "update-rate.ts"),
    [kind, String(DURATION)],
    url ? { SCOPECTL_STORE: url } : {},
  );

/** Client credentials at every replica at once, CONNECTIONS split among them; CPU per token of all. */
async function clientCredentialsCpu(
  store: string,
  replicas: number,
): Promise<Load & { perReplica: number[] }> {
  return withScopectl(
    ALG,
    { users: false, serveArgs: ["--token-reuse", "0"], store, replicas },
    async (served) => {
      const body = `grant_type=client_credentials&client_id=bench-client&client_secret=${served.secrets.get("bench-client")}&audience=https%3A%2F%2Fapi.example.com`;
      const each = Math.max(1, Math.floor(CONNECTIONS / replicas));
      const run = (seconds: number) =>
        Promise.all(served.replicas.map((r) => loadAsync(`${r.url}/oauth2/token`, body, each, seconds)));
      await run(WARM_UP);
      const pids = served.replicas.map((r) => r.pid ?? 0);
      const before = pids.map(cpuSeconds);
      const loads = await run(DURATION);
      const cpu = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
      const requests = loads.reduce((sum, l) => sum + l.requests, 0);
      return {
        rate: loads.reduce((sum, l) => sum + l.rate, 0),
        p50: Math.max(...loads.map((l) => l.p50)),
        p99: Math.max(...loads.map((l) => l.p99)),
        errors: loads.reduce((sum, l) => sum + l.errors, 0),
        cpuPerRequest: (cpu.reduce((a, b) => a + b, 0) * 1e6) / requests,
        perReplica: loads.map((l) => l.rate),
      };
    },
  );
}

await mkdir(outDir, { recursive: true });
if (!existsSync(path.join(tenantDir, "apikeys.yaml"))) {
  process.stderr.write("generating the tenant...\n");
  await writeTenant(tenantDir, "base");
}
const started = Date.now();
const cluster = await startPostgres({ durable: true });
let met = true;
const verdict = (ok: boolean) => {
  if (!ok) met = false;
  return ok ? "yes" : "NO";
};
try {
  console.log(
    `PostgreSQL ${/\d+\.\d+/.exec(execFileSync("psql", ["--version"], { encoding: "utf8" }))?.[0] ?? "?"} at its durability defaults, on loopback; ${DURATION} s per load run, ${CONNECTIONS} connections, ${ALG}`,
  );

  if (PARTS.has("apply")) await applies();
  if (PARTS.has("refresh")) await refreshes();
  if (PARTS.has("replicas")) await replicas();
} finally {
  await cluster.destroy();
}
console.log(
  `\n${met ? "targets met" : "a target was missed"}; bench took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);

/**
 * Before each apply measurement: the cluster's dirty buffers written out (CHECKPOINT) and the kernel's
 * (`sync`), so that a measurement's commit does not wait on the disk behind the previous one's
 * writeback (a SQLite apply right after a PostgreSQL one measured up to 1.5x slower).
 */
async function settle(): Promise<void> {
  settleDatabase ??= await cluster.database();
  const client = new pg.Client({ connectionString: settleDatabase });
  await client.connect();
  try {
    await client.query("CHECKPOINT");
  } finally {
    await client.end();
  }
  execFileSync("sync");
}

/** Applies of the large tenant, each from empty into a fresh store, against a bulk INSERT. */
async function applies(): Promise<void> {
  const samples: Record<string, number[]> = {};
  const add = (name: string, value: number | undefined) => {
    if (value === undefined) return;
    samples[name] ??= [];
    samples[name].push(value);
  };
  for (let rep = 0; rep < REPETITIONS; rep++) {
    await settle();
    add("sqlite raw", measure("raw-insert", path.join(outDir, `raw-${rep}-${Date.now()}.db`)).ms);
    await settle();
    add("sqlite apply", measure("apply", path.join(outDir, `store-${rep}-${Date.now()}.db`)).applyMs);
    await settle();
    add("postgres raw", measure("raw-insert-pg", await cluster.database()).ms);
    await settle();
    add("postgres apply", measure("apply", await cluster.database()).applyMs);
    process.stderr.write(`apply repetition ${rep + 1}/${REPETITIONS} done\n`);
  }
  const rows =
    SIZES.apis * (1 + SIZES.scopesPerApi) + SIZES.roles + SIZES.users + SIZES.applications + SIZES.apiKeys;
  console.log(
    `\napply of the large tenant from empty (about ${rows} rows; ${REPETITIONS} repetitions, medians)`,
  );
  for (const kind of ["sqlite", "postgres"] as const) {
    const raw = median(samples[`${kind} raw`] ?? []);
    const apply = median(samples[`${kind} apply`] ?? []);
    const ratio = apply / raw;
    console.log(
      `  ${kind.padEnd(9)} apply ${apply.toFixed(0).padStart(6)} ms  bulk INSERT ${raw.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}x  target <= 3x: ${verdict(ratio <= 3)}`,
    );
  }
}

/**
 * The refresh_token grant on each store, against sign + one row update: REFRESH_RUNS runs of each, the
 * baseline measured again before every run (on two cores the three processes of a run, server, load and
 * database, move each other's figures by ±15%); the verdict is on the median ratio, every run printed.
 */
async function refreshes(): Promise<void> {
  console.log(
    `\nrefresh_token grant, ${REFRESH_RUNS} runs per store (baseline: jose ${ALG} signing, 1 at a time, then one row update)`,
  );
  for (const kind of ["sqlite", "postgres"] as const) {
    const ratios: number[] = [];
    for (let run = 1; run <= REFRESH_RUNS; run++) {
      const url = kind === "postgres" ? await cluster.database() : undefined;
      const sign = signRate(ALG, 1);
      const updates = updateRate(kind, url);
      const baseline = 1 / (1 / sign + 1 / updates);
      const refresh = await scopectlRefresh(ALG, kind === "postgres" ? await cluster.database() : undefined);
      const ratio = refresh.peak.rate / baseline;
      ratios.push(ratio);
      console.log(
        `  ${kind.padEnd(9)} run ${run}: ${refresh.peak.rate.toFixed(0).padStart(6)}/s p99 ${refresh.peak.p99} ms${refresh.peak.cpuPerRequest ? `, cpu ${refresh.peak.cpuPerRequest.toFixed(0)} us/req` : ""}; baseline ${baseline.toFixed(0)}/s (signing ${sign.toFixed(0)}/s, row updates ${updates.toFixed(0)}/s): ${(ratio * 100).toFixed(0)}%${refresh.peak.errors ? `  (${refresh.peak.errors} failed)` : ""}`,
      );
      if (refresh.peak.errors) met = false;
    }
    const ratio = median(ratios);
    console.log(
      `  ${kind.padEnd(9)} median ${(ratio * 100).toFixed(0)}% of its baseline  target >= 70%: ${verdict(ratio >= 0.7)}`,
    );
  }
}

/** CPU per client credentials token, one replica and two on one PostgreSQL store. */
async function replicas(): Promise<void> {
  console.log("\nclient credentials, signing every token, on PostgreSQL: CPU per token");
  const cpu: number[] = [];
  for (const count of [1, 2]) {
    const result = await clientCredentialsCpu(await cluster.database(), count);
    cpu.push(result.cpuPerRequest ?? Number.NaN);
    console.log(
      `  ${count} replica${count > 1 ? "s" : " "}  ${result.rate.toFixed(0).padStart(6)}/s (${result.perReplica.map((r) => r.toFixed(0)).join(" + ")})  p99 ${result.p99} ms  cpu ${result.cpuPerRequest?.toFixed(0)} us/token${result.errors ? `  (${result.errors} errors)` : ""}`,
    );
    if (result.errors) met = false;
  }
  console.log(`  two replicas cost ${((cpu[1] ?? 0) / (cpu[0] ?? 1)).toFixed(2)}x the CPU per token of one`);
}
