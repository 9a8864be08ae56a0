/**
 * `npm run bench:token`: client credentials tokens per second and latency, one load generator
 * (autocannon, its own process) against these, measured in the same run, for RS256 and ES256:
 *   - baseline: jose signing the same claims in a loop in one process, one signature at a time
 *     (sign-rate.ts); also CONNECTIONS at a time, the ceiling of this machine's cores;
 *   - scopectl as shipped: `scopectl serve` on a store with one m2m application (identical requests
 *     within the token reuse window get the same token);
 *   - scopectl signing every token: the same with `--token-reuse 0`;
 *   - peer: oidc-provider with the client credentials grant and JWT access tokens (peer.ts).
 * Both scopectl setups run again at half their peak rate, for the p99 target.
 * Targets (RS256): scopectl >= 70% of the raw signing rate and >= 3x the peer; p99 < 50 ms at half peak.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const TSX = import.meta.resolve("tsx");
const AUTOCANNON = path.join(root, "node_modules/autocannon/autocannon.js");
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP = Math.min(3, DURATION);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ALGS = (process.env.BENCH_ALGS ?? "RS256,ES256").split(",");

interface Load {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU time (user + system, all its threads) per request, in microseconds: robust to noise. */
  cpuPerRequest?: number;
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A load, with the server's CPU per request measured around it. */
function measured(pid: number | undefined, run: () => Load & { requests: number }): Load {
  const before = pid ? cpuSeconds(pid) : 0;
  const result = run();
  if (!pid || result.requests === 0) return result;
  return { ...result, cpuPerRequest: ((cpuSeconds(pid) - before) * 1e6) / result.requests };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function load(
  url: string,
  body: string,
  overallRate?: number,
  seconds = DURATION,
): Load & { requests: number } {
  const args = [
    AUTOCANNON,
    "-c",
    String(CONNECTIONS),
    "-d",
    String(seconds),
    "-m",
    "POST",
    "-H",
    "content-type=application/x-www-form-urlencoded",
    "-b",
    body,
    "--json",
  ];
  if (overallRate) args.push("-R", String(Math.floor(overallRate)));
  const out = execFileSync(process.execPath, [...args, url], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const result = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    requests: result.requests.total,
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function signRate(alg: string, concurrency: number): number {
  const out = execFileSync(
    process.execPath,
    ["--import", TSX, path.join(here, "sign-rate.ts"), alg, String(DURATION), String(concurrency)],
    { encoding: "utf8" },
  );
  return (JSON.parse(out) as { rate: number }).rate;
}

async function scopectl(alg: string, serveArgs: string[]): Promise<{ peak: Load; half: Load }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-token-"));
  try {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    await writeFile(
      path.join(dir, "tenant.yaml"),
      `apiVersion: scopectl/v1\nkind: Settings\nmetadata:\n  name: bench\nspec:\n  issuer: ${issuer}\n  signingAlg: ${alg}\n---\napiVersion: scopectl/v1\nkind: Api\nmetadata:\n  name: things\nspec:\n  audience: https://api.example.com\n  scopes:\n    - { name: "read:things", description: Read }\n    - { name: "write:things", description: Write }\n---\napiVersion: scopectl/v1\nkind: Application\nmetadata:\n  name: bench-client\nspec:\n  type: m2m\n  apis:\n    things: { scopes: all }\n`,
    );
    const store = path.join(dir, "store.db");
    const secrets = path.join(dir, "secrets.json");
    const cli = (...args: string[]) => [TSX, path.join(root, "src/cli/main.ts"), ...args];
    execFileSync(
      process.execPath,
      ["--import", ...cli("apply", dir, "--yes", "--store", store, "--secrets-out", secrets)],
      { stdio: "ignore" },
    );
    const [secret] = JSON.parse(await readFile(secrets, "utf8")) as { value: string }[];
    const server = spawn(
      process.execPath,
      [
        "--import",
        ...cli("serve", "--store", store, "--port", String(port), "--issuer", issuer, ...serveArgs),
      ],
      {
        stdio: "ignore",
        env: { ...process.env, SCOPECTL_LOG_LEVEL: "warn" },
      },
    );
    try {
      await waitFor(`${issuer}/readyz`);
      const body = `grant_type=client_credentials&client_id=bench-client&client_secret=${secret?.value}&audience=https%3A%2F%2Fapi.example.com`;
      load(`${issuer}/oauth2/token`, body, undefined, WARM_UP); // warm up
      const peak = measured(server.pid, () => load(`${issuer}/oauth2/token`, body));
      const half = measured(server.pid, () => load(`${issuer}/oauth2/token`, body, peak.rate / 2));
      return { peak, half };
    } finally {
      await stop(server);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function peer(alg: string): Promise<Load> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", TSX, path.join(here, "peer.ts"), alg, String(port)], {
    stdio: "ignore",
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    const body =
      "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret-0123456789abcdef0123456789abcdef&scope=read%3Athings";
    load(`http://127.0.0.1:${port}/token`, body, undefined, WARM_UP);
    return measured(child.pid, () => load(`http://127.0.0.1:${port}/token`, body));
  } finally {
    await stop(child);
  }
}

const started = Date.now();
const fmt = (l: Load) =>
  `${l.rate.toFixed(0).padStart(6)}/s  p50 ${String(l.p50).padStart(3)} ms  p99 ${String(l.p99).padStart(3)} ms${l.cpuPerRequest ? `  cpu ${l.cpuPerRequest.toFixed(0).padStart(3)} us/req` : ""}${l.errors ? `  (${l.errors} errors)` : ""}`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
let met = true;
console.log(
  `autocannon: ${CONNECTIONS} connections, ${DURATION} s per run, one process each; ${os.cpus().length} cores`,
);
for (const alg of ALGS) {
  const baseline = signRate(alg, 1);
  const ceiling = signRate(alg, CONNECTIONS);
  const shipped = await scopectl(alg, []);
  const signing = await scopectl(alg, ["--token-reuse", "0"]);
  const theirs = await peer(alg);
  const vs = (l: Load) =>
    `${pct(l.rate / baseline)} of baseline, ${pct(l.rate / ceiling)} of ceiling, ${(l.rate / theirs.rate).toFixed(2)}x the peer` +
    (l.cpuPerRequest && theirs.cpuPerRequest
      ? `, ${(theirs.cpuPerRequest / l.cpuPerRequest).toFixed(2)}x less CPU per token`
      : "");
  console.log(`\n${alg}`);
  console.log(`  raw jose signing, 1 at a time (baseline)  ${baseline.toFixed(0).padStart(6)}/s`);
  console.log(`  raw jose signing, ${CONNECTIONS} at a time (ceiling) ${ceiling.toFixed(0).padStart(6)}/s`);
  console.log(`  scopectl as shipped (token reuse)         ${fmt(shipped.peak)}   ${vs(shipped.peak)}`);
  console.log(`  scopectl signing every token              ${fmt(signing.peak)}   ${vs(signing.peak)}`);
  console.log(`  oidc-provider (peer), signing every token ${fmt(theirs)}`);
  console.log(`  scopectl as shipped, at half its peak     ${fmt(shipped.half)}`);
  console.log(`  scopectl signing, at half its peak        ${fmt(signing.half)}`);
  if (alg === "RS256") {
    const checks = [
      [">= 70% of raw signing (as shipped)", shipped.peak.rate / baseline >= 0.7],
      [">= 3x the peer (as shipped)", shipped.peak.rate / theirs.rate >= 3],
      [">= 70% of raw signing (signing every token)", signing.peak.rate / baseline >= 0.7],
      [">= 3x the peer (signing every token)", signing.peak.rate / theirs.rate >= 3],
      ["p99 < 50 ms at half peak (both)", shipped.half.p99 < 50 && signing.half.p99 < 50],
      [
        "no failed requests",
        [shipped.peak, shipped.half, signing.peak, signing.half].every((l) => l.errors === 0),
      ],
    ] as const;
    for (const [name, ok] of checks) {
      console.log(`  target ${name}: ${ok ? "yes" : "NO"}`);
      if (!ok) met = false;
    }
  }
}
console.log(
  `\n${met ? "targets met" : "a target was missed"}; bench took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
