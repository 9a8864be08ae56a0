/**
 * What bench/token's runs share, and what bench/postgres reuses: the load generators (autocannon for
 * fixed bodies, refresh-load.ts for rotating refresh tokens), the server's CPU per request from /proc,
 * the baselines measured in their own processes, `scopectl serve` on a one-Api tenant (on an SQLite
 * file, or on the store a location names), the sign-ins that give refresh tokens, and oidc-provider.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const TSX = import.meta.resolve("tsx");
export const AUTOCANNON = path.join(root, "node_modules/autocannon/autocannon.js");
export const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
export const WARM_UP = Math.min(3, DURATION);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
export const ALGS = (process.env.BENCH_ALGS ?? "RS256,ES256").split(",");
export const GRANT_NAMES = ["client_credentials", "refresh_token"] as const;
export const GRANTS = new Set(
  (process.env.BENCH_GRANTS ?? GRANT_NAMES.join(",")).split(",").map((g) => g.trim()),
);
for (const grant of GRANTS) {
  if (!(GRANT_NAMES as readonly string[]).includes(grant)) {
    throw new Error(`BENCH_GRANTS: unknown grant ${grant} (known: ${GRANT_NAMES.join(", ")})`);
  }
}

export interface Load {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU time (user + system, all its threads) per request, in microseconds: robust to noise. */
  cpuPerRequest?: number;
}

export const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of a process, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A load, with the server's CPU per request measured around it. */
export function measured(pid: number | undefined, run: () => Load & { requests: number }): Load {
  const before = pid ? cpuSeconds(pid) : 0;
  const result = run();
  if (!pid || result.requests === 0) return result;
  return { ...result, cpuPerRequest: ((cpuSeconds(pid) - before) * 1e6) / result.requests };
}

export function freePort(): Promise<number> {
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

export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
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

function autocannonArgs(
  url: string,
  body: string,
  overallRate: number | undefined,
  seconds: number,
  connections: number,
) {
  const args = [
    AUTOCANNON,
    "-c",
    String(connections),
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
  return [...args, url];
}

/** autocannon's `--json` report as the figures every bench quotes. */
export function loadOf(out: string): Load & { requests: number } {
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

/** autocannon in its own process, CONNECTIONS connections posting `body` for `seconds`. */
export function load(
  url: string,
  body: string,
  overallRate?: number,
  seconds = DURATION,
): Load & { requests: number } {
  const out = execFileSync(process.execPath, autocannonArgs(url, body, overallRate, seconds, CONNECTIONS), {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return loadOf(out);
}

/** The same, without blocking: for loads on several servers at once. */
export async function loadAsync(
  url: string,
  body: string,
  connections: number,
  seconds = DURATION,
): Promise<Load & { requests: number }> {
  const { stdout } = await execFileAsync(
    process.execPath,
    autocannonArgs(url, body, undefined, seconds, connections),
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return loadOf(stdout);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Arguments that run scopectl from source in a new node process: `spawn(process.execPath, cliArgs(...))`. */
export const cliArgs = (...args: string[]): string[] => [
  "--import",
  TSX,
  path.join(root, "src/cli/main.ts"),
  ...args,
];

/** The one-time secret of `id` in the file `apply --secrets-out` wrote. */
export async function secretFromFile(file: string, id: string): Promise<string> {
  const secrets = JSON.parse(await readFile(file, "utf8")) as { id: string; value: string }[];
  const secret = secrets.find((s) => s.id === id)?.value;
  if (!secret) throw new Error(`apply gave no secret for ${id}`);
  return secret;
}

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  /** The server's stderr so far (a failure's explanation). */
  log(): Promise<string>;
}

/**
 * `scopectl serve --store STORE` on `url`'s port in its own process, its stderr in `<dir>/serve.log`;
 * resolves once `/readyz` answers (and stops the process if it never does).
 * BENCH_SERVE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") shows where the server's time goes.
 */
export async function spawnServe(
  dir: string,
  store: string,
  port: number,
  url: string,
  readyTimeoutMs?: number,
): Promise<ServeProcess> {
  const stderrFile = path.join(dir, "serve.log");
  const stderr = await open(stderrFile, "w");
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      ...cliArgs("serve", "--store", store, "--port", String(port), "--issuer", url),
    ],
    { stdio: ["ignore", "ignore", stderr.fd], env: { ...process.env, SCOPECTL_LOG_LEVEL: "warn" } },
  );
  await stderr.close();
  const pid = child.pid;
  try {
    if (pid === undefined) throw new Error("scopectl serve did not start");
    await waitFor(`${url}/readyz`, readyTimeoutMs);
  } catch (error) {
    if (child.exitCode === null) await stop(child);
    throw error;
  }
  return { child, pid, log: () => readFile(stderrFile, "utf8") };
}

/** A baseline measured in its own process, which prints `{"rate": N}`. */
export function rateOf(script: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const out = execFileSync(process.execPath, ["--import", TSX, path.join(here, script), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return (JSON.parse(out) as { rate: number }).rate;
}

export const signRate = (alg: string, concurrency: number) =>
  rateOf("sign-rate.ts", [alg, String(DURATION), String(concurrency)]);
export const rotateRate = () => rateOf("rotate-rate.ts", [String(DURATION), String(CONNECTIONS)]);

export const REDIRECT_URI = "https://web.example/callback";
export const EMAIL = "alice@example.com";
export const PASSWORD = "bench password, not a secret";

export interface Served {
  issuer: string;
  pid: number | undefined;
  /** Every replica (the first is `issuer`/`pid`): its URL and process id. */
  replicas: { url: string; pid: number | undefined }[];
  /** Client secrets by application id. */
  secrets: Map<string, string>;
}

/**
 * `scopectl apply` of a one-Api tenant (with the m2m client bench-client; with `users`, also a Role, a
 * User with it and a password, and the regular client bench-web), then `scopectl serve` on it while
 * `fn` runs.
 */
export async function withScopectl<T>(
  alg: string,
  options: {
    users: boolean;
    serveArgs?: string[];
    /** The store: a postgres:// URL (given in SCOPECTL_STORE); default an SQLite file in a temp folder. */
    store?: string;
    /** How many `scopectl serve` processes share the store (default 1), each on its own port. */
    replicas?: number;
  },
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
    const storeArgs = options.store === undefined ? ["--store", path.join(dir, "store.db")] : [];
    const storeEnv = options.store === undefined ? {} : { SCOPECTL_STORE: options.store };
    const secretsFile = path.join(dir, "secrets.json");
    const cli = (...args: string[]) => [TSX, path.join(root, "src/cli/main.ts"), ...args];
    execFileSync(
      process.execPath,
      ["--import", ...cli("apply", dir, "--yes", ...storeArgs, "--secrets-out", secretsFile)],
      { stdio: "ignore", env: { ...process.env, ...storeEnv } },
    );
    if (options.users) {
      execFileSync(process.execPath, ["--import", ...cli("users", "set-password", EMAIL, ...storeArgs)], {
        input: PASSWORD,
        env: { ...process.env, ...storeEnv },
        stdio: ["pipe", "ignore", "inherit"],
      });
    }
    const secrets = new Map(
      (JSON.parse(await readFile(secretsFile, "utf8")) as { id: string; value: string }[]).map((s) => [
        s.id,
        s.value,
      ]),
    );
    const ports = [port];
    for (let i = 1; i < (options.replicas ?? 1); i++) ports.push(await freePort());
    const servers = ports.map((p) =>
      spawn(
        process.execPath,
        [
          // e.g. BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": what the servers spend on.
          ...(process.env.BENCH_SERVE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
          "--import",
          ...cli(
            "serve",
            ...storeArgs,
            "--port",
            String(p),
            "--issuer",
            issuer,
            ...(options.serveArgs ?? []),
          ),
        ],
        { stdio: "ignore", env: { ...process.env, ...storeEnv, SCOPECTL_LOG_LEVEL: "warn" } },
      ),
    );
    try {
      const replicas = ports.map((p, i) => ({ url: `http://127.0.0.1:${p}`, pid: servers[i]?.pid }));
      for (const replica of replicas) await waitFor(`${replica.url}/readyz`);
      return await fn({ issuer, pid: servers[0]?.pid, replicas, secrets });
    } finally {
      await Promise.all(servers.map(stop));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function scopectl(
  alg: string,
  serveArgs: string[],
  store?: string,
): Promise<{ peak: Load; half: Load }> {
  return withScopectl(
    alg,
    { users: false, serveArgs, ...(store ? { store } : {}) },
    async ({ issuer, pid, secrets }) => {
      const body = `grant_type=client_credentials&client_id=bench-client&client_secret=${secrets.get("bench-client")}&audience=https%3A%2F%2Fapi.example.com`;
      load(`${issuer}/oauth2/token`, body, undefined, WARM_UP); // warm up
      const peak = measured(pid, () => load(`${issuer}/oauth2/token`, body));
      const half = measured(pid, () => load(`${issuer}/oauth2/token`, body, peak.rate / 2));
      return { peak, half };
    },
  );
}

export async function peer(alg: string): Promise<Load> {
  return withPeer(alg, "client_credentials", async (url, pid) => {
    const body =
      "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret-0123456789abcdef0123456789abcdef&scope=read%3Athings";
    load(`${url}/token`, body, undefined, WARM_UP);
    return measured(pid, () => load(`${url}/token`, body));
  });
}

export async function withPeer<T>(
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
export async function signInForRefreshToken(issuer: string, clientSecret: string): Promise<string> {
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
export async function signIns(issuer: string, clientSecret: string): Promise<string[]> {
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
export async function refreshLoad(
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
export async function measuredRefresh(
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

export type RefreshLoad = Load & { sample?: string };

export function scopectlRefresh(
  alg: string,
  store?: string,
): Promise<{ peak: RefreshLoad; half: RefreshLoad }> {
  return withScopectl(alg, { users: true, ...(store ? { store } : {}) }, async ({ issuer, pid, secrets }) => {
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

export function peerRefresh(alg: string): Promise<Load & { sample?: string }> {
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
