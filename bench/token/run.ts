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
 *
 * And the refresh_token grant (issue 6), for each alg:
 *   - scopectl as shipped, on a tenant with a User (password set with `scopectl users set-password`)
 *     and a `regular` Application: before each run, CONNECTIONS sign-ins over HTTP (authorize page,
 *     login form post, code exchange with PKCE S256, scope `offline_access` only: no `openid`, so no ID
 *     token) give one refresh token per connection; refresh-load.ts then drives autocannon with one
 *     rotating chain per connection. Again at half its peak rate;
 *   - the peer: oidc-provider with rotating refresh tokens in SQLite (peer.ts refresh);
 *   - baselines: each refresh signs one access token and does one store rotation (one SQLite write
 *     transaction), so beside the signing rate, rotations alone in a loop on a SQLite store
 *     (rotate-rate.ts). Baseline: the two one after the other, one at a time,
 *     1 / (1/sign + 1/rotate); ceiling: the two overlapped, signing on all cores beside the
 *     rotations (which a store serializes), min(signing ceiling, rotations).
 * No target for the refresh grant; the check is that no request failed (a token presented twice would
 * answer invalid_grant).
 * BENCH_GRANTS=client_credentials,refresh_token (the default: both) chooses what runs.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
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
const GRANT_NAMES = ["client_credentials", "refresh_token"] as const;
const GRANTS = new Set((process.env.BENCH_GRANTS ?? GRANT_NAMES.join(",")).split(",").map((g) => g.trim()));
for (const grant of GRANTS) {
  if (!(GRANT_NAMES as readonly string[]).includes(grant)) {
    throw new Error(`BENCH_GRANTS: unknown grant ${grant} (known: ${GRANT_NAMES.join(", ")})`);
  }
}

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

/** A baseline measured in its own process, which prints `{"rate": N}`. */
function rateOf(script: string, args: string[]): number {
  const out = execFileSync(process.execPath, ["--import", TSX, path.join(here, script), ...args], {
    encoding: "utf8",
  });
  return (JSON.parse(out) as { rate: number }).rate;
}

const signRate = (alg: string, concurrency: number) =>
  rateOf("sign-rate.ts", [alg, String(DURATION), String(concurrency)]);
const rotateRate = () => rateOf("rotate-rate.ts", [String(DURATION), String(CONNECTIONS)]);

const REDIRECT_URI = "https://web.example/callback";
const EMAIL = "alice@example.com";
const PASSWORD = "bench password, not a secret";

interface Served {
  issuer: string;
  pid: number | undefined;
  /** Client secrets by application id. */
  secrets: Map<string, string>;
}

/**
 * `scopectl apply` of a one-Api tenant (with the m2m client bench-client; with `users`, also a Role, a
 * User with it and a password, and the regular client bench-web), then `scopectl serve` on it while
 * `fn` runs.
 */
async function withScopectl<T>(
  alg: string,
  options: { users: boolean; serveArgs?: string[] },
  fn: (served: Served) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-token-"));
  try {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const docs = [
      `apiVersion: scopectl/v1\nkind: Settings\nmetadata:\n  name: bench\nspec:\n  issuer: ${issuer}\n  signingAlg: ${alg}\n`,
      `apiVersion: scopectl/v1\nkind: Api\nmetadata:\n  name: things\nspec:\n  audience: https://api.example.com\n  scopes:\n    - { name: "read:things", description: Read }\n    - { name: "write:things", description: Write }\n`,
      `apiVersion: scopectl/v1\nkind: Application\nmetadata:\n  name: bench-client\nspec:\n  type: m2m\n  apis:\n    things: { scopes: all }\n`,
    ];
    if (options.users) {
      docs.push(
        `apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: editor\nspec:\n  scopes:\n    things: ["read:things", "write:things"]\n`,
        `apiVersion: scopectl/v1\nkind: User\nmetadata:\n  name: alice\nspec:\n  email: ${EMAIL}\n  name: Alice Martin\n  roles: [editor]\n`,
        `apiVersion: scopectl/v1\nkind: Application\nmetadata:\n  name: bench-web\nspec:\n  type: regular\n  redirectUris: ["${REDIRECT_URI}"]\n  apis:\n    things: { scopes: all }\n`,
      );
    }
    await writeFile(path.join(dir, "tenant.yaml"), docs.join("---\n"));
    const store = path.join(dir, "store.db");
    const secretsFile = path.join(dir, "secrets.json");
    const cli = (...args: string[]) => [TSX, path.join(root, "src/cli/main.ts"), ...args];
    execFileSync(
      process.execPath,
      ["--import", ...cli("apply", dir, "--yes", "--store", store, "--secrets-out", secretsFile)],
      { stdio: "ignore" },
    );
    if (options.users) {
      execFileSync(process.execPath, ["--import", ...cli("users", "set-password", EMAIL, "--store", store)], {
        input: PASSWORD,
        stdio: ["pipe", "ignore", "inherit"],
      });
    }
    const secrets = new Map(
      (JSON.parse(await readFile(secretsFile, "utf8")) as { id: string; value: string }[]).map((s) => [
        s.id,
        s.value,
      ]),
    );
    const server = spawn(
      process.execPath,
      [
        "--import",
        ...cli(
          "serve",
          "--store",
          store,
          "--port",
          String(port),
          "--issuer",
          issuer,
          ...(options.serveArgs ?? []),
        ),
      ],
      {
        stdio: "ignore",
        env: { ...process.env, SCOPECTL_LOG_LEVEL: "warn" },
      },
    );
    try {
      await waitFor(`${issuer}/readyz`);
      return await fn({ issuer, pid: server.pid, secrets });
    } finally {
      await stop(server);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function scopectl(alg: string, serveArgs: string[]): Promise<{ peak: Load; half: Load }> {
  return withScopectl(alg, { users: false, serveArgs }, async ({ issuer, pid, secrets }) => {
    const body = `grant_type=client_credentials&client_id=bench-client&client_secret=${secrets.get("bench-client")}&audience=https%3A%2F%2Fapi.example.com`;
    load(`${issuer}/oauth2/token`, body, undefined, WARM_UP); // warm up
    const peak = measured(pid, () => load(`${issuer}/oauth2/token`, body));
    const half = measured(pid, () => load(`${issuer}/oauth2/token`, body, peak.rate / 2));
    return { peak, half };
  });
}

async function peer(alg: string): Promise<Load> {
  return withPeer(alg, "client_credentials", async (url, pid) => {
    const body =
      "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret-0123456789abcdef0123456789abcdef&scope=read%3Athings";
    load(`${url}/token`, body, undefined, WARM_UP);
    return measured(pid, () => load(`${url}/token`, body));
  });
}

async function withPeer<T>(
  alg: string,
  mode: "client_credentials" | "refresh",
  fn: (url: string, pid: number | undefined) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", TSX, path.join(here, "peer.ts"), alg, String(port), mode],
    { stdio: "ignore" },
  );
  try {
    await waitFor(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    return await fn(`http://127.0.0.1:${port}`, child.pid);
  } finally {
    await stop(child);
  }
}

/** One user sign-in at bench-web over HTTP, as a browser and the app would; its refresh token. */
async function signInForRefreshToken(issuer: string, clientSecret: string): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(`${issuer}/oauth2/authorize`);
  const params = {
    response_type: "code",
    client_id: "bench-web",
    redirect_uri: REDIRECT_URI,
    scope: "offline_access",
    state: "bench",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) authorize.searchParams.set(name, value);
  const page = await fetch(authorize, { redirect: "manual" });
  const html = await page.text();
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  const cookie = page.headers.get("set-cookie")?.split(";")[0];
  if (page.status !== 200 || !csrfToken || !cookie) {
    throw new Error(`the login page: ${page.status} ${html.slice(0, 300)}`);
  }
  const login = await fetch(`${issuer}/oauth2/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrf_token: csrfToken, email: EMAIL, password: PASSWORD }),
  });
  const loginPage = await login.text();
  const location = login.headers.get("location");
  const code = location ? new URL(location).searchParams.get("code") : null;
  if (login.status !== 303 || !code) {
    throw new Error(`the login answer: ${login.status} ${location ?? loginPage.slice(0, 300)}`);
  }
  const exchange = await fetch(`${issuer}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: "bench-web",
      client_secret: clientSecret,
    }),
  });
  const tokens = (await exchange.json()) as { refresh_token?: string };
  if (exchange.status !== 200 || typeof tokens.refresh_token !== "string") {
    throw new Error(`the code exchange: ${exchange.status} ${JSON.stringify(tokens)}`);
  }
  return tokens.refresh_token;
}

/** CONNECTIONS sign-ins, 4 at a time (each costs the server an argon2id hash). */
async function signIns(issuer: string, clientSecret: string): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < CONNECTIONS) {
    const batch = Math.min(4, CONNECTIONS - tokens.length);
    tokens.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => signInForRefreshToken(issuer, clientSecret)),
      )),
    );
  }
  return tokens;
}

/** refresh-load.ts in its own process: one rotating refresh token chain per connection. */
async function refreshLoad(
  url: string,
  tokens: string[],
  form: Record<string, string>,
  overallRate?: number,
  seconds = DURATION,
): Promise<Load & { requests: number; sample?: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-refresh-"));
  try {
    const spec = path.join(dir, "spec.json");
    await writeFile(spec, JSON.stringify({ url, seconds, tokens, form, overallRate }), { mode: 0o600 });
    const out = execFileSync(process.execPath, ["--import", TSX, path.join(here, "refresh-load.ts"), spec], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const result = JSON.parse(out) as {
      requests: { average: number; total: number };
      latency: { p50: number; p99: number };
      errors: number;
      refresh: { ok: number; failed: number; sample?: string };
    };
    return {
      rate: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      // Every answer but a 200 with a new refresh token, and every connection error or timeout.
      errors: result.refresh.failed + result.errors,
      requests: result.requests.total,
      ...(result.refresh.sample !== undefined ? { sample: result.refresh.sample } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The server's CPU per request around a refresh load (the sign-ins before it are not counted). */
async function measuredRefresh(
  pid: number | undefined,
  tokens: () => Promise<string[]>,
  run: (tokens: string[]) => Promise<Load & { requests: number; sample?: string }>,
): Promise<Load & { sample?: string }> {
  const chains = await tokens();
  const before = pid ? cpuSeconds(pid) : 0;
  const result = await run(chains);
  if (!pid || result.requests === 0) return result;
  return { ...result, cpuPerRequest: ((cpuSeconds(pid) - before) * 1e6) / result.requests };
}

type RefreshLoad = Load & { sample?: string };

function scopectlRefresh(alg: string): Promise<{ peak: RefreshLoad; half: RefreshLoad }> {
  return withScopectl(alg, { users: true }, async ({ issuer, pid, secrets }) => {
    const secret = secrets.get("bench-web");
    if (!secret) throw new Error("apply gave no secret for bench-web");
    const url = `${issuer}/oauth2/token`;
    const form = { client_id: "bench-web", client_secret: secret };
    const tokens = () => signIns(issuer, secret);
    await refreshLoad(url, await tokens(), form, undefined, WARM_UP); // warm up
    const peak = await measuredRefresh(pid, tokens, (t) => refreshLoad(url, t, form));
    const half = await measuredRefresh(pid, tokens, (t) => refreshLoad(url, t, form, peak.rate / 2));
    return { peak, half };
  });
}

function peerRefresh(alg: string): Promise<Load & { sample?: string }> {
  return withPeer(alg, "refresh", async (base, pid) => {
    const tokens = async () => {
      const res = await fetch(`${base}/bench/refresh-tokens?n=${CONNECTIONS}`, { method: "POST" });
      if (!res.ok) throw new Error(`peer refresh tokens: ${res.status} ${await res.text()}`);
      return (await res.json()) as string[];
    };
    const form = {
      client_id: "bench-web",
      client_secret: "bench-web-secret-0123456789abcdef0123456789abcdef",
    };
    await refreshLoad(`${base}/token`, await tokens(), form, undefined, WARM_UP);
    return measuredRefresh(pid, tokens, (t) => refreshLoad(`${base}/token`, t, form));
  });
}

const started = Date.now();
const fmt = (l: Load) =>
  `${l.rate.toFixed(0).padStart(6)}/s  p50 ${String(l.p50).padStart(3)} ms  p99 ${String(l.p99).padStart(3)} ms${l.cpuPerRequest ? `  cpu ${l.cpuPerRequest.toFixed(0).padStart(3)} us/req` : ""}${l.errors ? `  (${l.errors} errors)` : ""}`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const rate = (r: number) => `${r.toFixed(0).padStart(6)}/s`;
let met = true;
/** One line of the report: a label column, then the figures. */
const row = (label: string, figures: string, note = "") =>
  console.log(`    ${label.padEnd(44)}${figures}${note ? `   ${note}` : ""}`);
console.log(
  `autocannon: ${CONNECTIONS} connections, ${DURATION} s per run, one process each; ${os.cpus().length} cores; grants: ${[...GRANTS].join(", ")}`,
);
for (const alg of ALGS) {
  const baseline = signRate(alg, 1);
  const ceiling = signRate(alg, CONNECTIONS);
  console.log(`\n${alg}`);
  row("raw jose signing, 1 at a time (baseline)", rate(baseline));
  row(`raw jose signing, ${CONNECTIONS} at a time (ceiling)`, rate(ceiling));

  if (GRANTS.has("client_credentials")) {
    const shipped = await scopectl(alg, []);
    const signing = await scopectl(alg, ["--token-reuse", "0"]);
    const theirs = await peer(alg);
    const vs = (l: Load) =>
      `${pct(l.rate / baseline)} of baseline, ${pct(l.rate / ceiling)} of ceiling, ${(l.rate / theirs.rate).toFixed(2)}x the peer` +
      (l.cpuPerRequest && theirs.cpuPerRequest
        ? `, ${(theirs.cpuPerRequest / l.cpuPerRequest).toFixed(2)}x less CPU per token`
        : "");
    console.log("  client_credentials grant");
    row("scopectl as shipped (token reuse)", fmt(shipped.peak), vs(shipped.peak));
    row("scopectl signing every token", fmt(signing.peak), vs(signing.peak));
    row("oidc-provider (peer), signing every token", fmt(theirs));
    row("scopectl as shipped, at half its peak", fmt(shipped.half));
    row("scopectl signing, at half its peak", fmt(signing.half));
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
        console.log(`    target ${name}: ${ok ? "yes" : "NO"}`);
        if (!ok) met = false;
      }
    }
  }

  if (GRANTS.has("refresh_token")) {
    const rotations = rotateRate();
    // One refresh = one access token signed + one rotation; scope offline_access only (no openid), so
    // no ID token (which would be a second signature).
    const refreshBaseline = 1 / (1 / baseline + 1 / rotations);
    const refreshCeiling = Math.min(ceiling, rotations);
    const refresh = await scopectlRefresh(alg);
    const theirs = await peerRefresh(alg);
    const vs = (l: Load) =>
      `${pct(l.rate / refreshBaseline)} of baseline, ${pct(l.rate / refreshCeiling)} of ceiling, ${(l.rate / theirs.rate).toFixed(2)}x the peer` +
      (l.cpuPerRequest && theirs.cpuPerRequest
        ? `, ${(theirs.cpuPerRequest / l.cpuPerRequest).toFixed(2)}x less CPU per refresh`
        : "");
    console.log(
      "  refresh_token grant: scope offline_access only (no openid, so no ID token): one access token signed and one store rotation per request",
    );
    row("store rotations alone, 1 at a time", rate(rotations), "SQLite, one write transaction each");
    row(
      "sign + rotate one after the other (baseline)",
      rate(refreshBaseline),
      `1/(1/sign + 1/rotate): ${(1e6 / refreshBaseline).toFixed(0)} us of work per refresh`,
    );
    row(
      "sign ∥ rotate (ceiling)",
      rate(refreshCeiling),
      "min(signing ceiling, rotations): signing on all cores beside the serialized rotations",
    );
    row("scopectl refresh_token grant", fmt(refresh.peak), vs(refresh.peak));
    row("scopectl refresh_token, at half its peak", fmt(refresh.half));
    row(
      "oidc-provider (peer) refresh_token grant",
      fmt(theirs),
      "rotation on, records in SQLite; its refresh tokens minted through its models, not a login",
    );
    for (const l of [refresh.peak, refresh.half, theirs]) {
      if (l.sample) console.log(`    first failed answer: ${l.sample}`);
    }
    const ok = refresh.peak.errors === 0 && refresh.half.errors === 0;
    console.log(`    check no failed refresh requests (scopectl): ${ok ? "yes" : "NO"}`);
    if (!ok) met = false;
  }
}
console.log(
  `\n${met ? "targets met" : "a target was missed"}; bench took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
