/**
 * `npm run bench:console` (docs/benchmarks.md#console): what the console's Scopes and Users pages cost
 * the server on a large tenant (one Api of 5,000 scopes, 20,000 users: server.ts), over HTTP, against
 * the unpaged `/v1` calls of the same data measured in the same run.
 *
 * A page load is counted as the console makes it: its document (`GET /console/<page>`, the SPA
 * fallback), `/console/assets/console.js` and `.css` (when the console is built: else skipped, and
 * said), `GET /console/config.json`, then its `/v1` page call with a bearer token:
 *   - Scopes: `GET /v1/apis/api-00/scopes?limit=50`, with `&q=write`, and with `&offset=4950`;
 *   - Users: `GET /v1/users?limit=50`, with `&q=user1`, and with `&offset=19950`.
 * Baselines: `GET /v1/apis/api-00` (the Api and all its scopes) and `GET /v1/users` (every user).
 * One keep-alive connection, one request at a time; each round loads every kind once, in an order that
 * rotates with the round, so that the drift of a shared machine falls on all alike. Target (issue 17):
 * each page's time <= 100 ms at p95. Also: the first call of each kind after the server starts (the
 * views' per-snapshot indexes are built then) and the server's CPU per load (/proc). Prints tables only;
 * exits non-zero on an error, not on a missed target.
 */
import http from "node:http";
import os from "node:os";
import { SIZES } from "../reconcile/make-tenant.ts";
import { percentile } from "../resource-server/stats.ts";
import { cpuSeconds } from "../token/harness.ts";
import { API, type ConsoleServer, ensureTenant, READER, withConsoleServer } from "./server.ts";

const TARGET_MS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 20);
const PAGE_SIZE = 50;

interface Call {
  ms: number;
  status: number;
  bytes: number;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on the keep-alive connection: from the request's start to its answer's last byte. */
function get(base: string, path: string, token?: string): Promise<Call> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(
      `${base}${path}`,
      { agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, bytes: body.length, body });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
}

async function tokenOf(server: ConsoleServer): Promise<string> {
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${READER}:${server.readerSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", audience: server.audience }),
  });
  const body = (await res.json()) as { access_token?: string; scope?: string };
  if (!body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  const scopes = new Set((body.scope ?? "").split(" "));
  if (!scopes.has("read:apis") || !scopes.has("read:users")) {
    throw new Error(`the token's scope is "${body.scope}", not read:apis and read:users`);
  }
  return body.access_token;
}

interface Kind {
  label: string;
  page: "Scopes" | "Users";
  /** A page load (document, assets, config.json, the call) or the baseline (the call alone). */
  role: "page" | "baseline";
  /** The /v1 call. */
  v1: string;
  /** What its JSON must hold: a problem, or undefined. */
  check: (json: Record<string, unknown>) => string | undefined;
}

const listOf = (json: Record<string, unknown>, key: string) =>
  Array.isArray(json[key]) ? (json[key] as unknown[]) : [];
const expect = (what: string, actual: unknown, wanted: unknown) =>
  actual === wanted ? undefined : `${what} is ${String(actual)}, not ${String(wanted)}`;
const scopesTotal = SIZES.scopesPerApi;
const usersTotal = SIZES.users;
const deepScopes = scopesTotal - PAGE_SIZE;
const deepUsers = usersTotal - PAGE_SIZE;

/** The call the Api heading of a Scopes page makes. */
const HEADING = `/v1/apis/${API}/scopes?limit=1`;

const KINDS: Kind[] = [
  {
    label: "Scopes page",
    page: "Scopes",
    role: "page",
    v1: `/v1/apis/${API}/scopes?limit=${PAGE_SIZE}`,
    check: (j) =>
      expect("total", j.total, scopesTotal) ?? expect("rows", listOf(j, "scopes").length, PAGE_SIZE),
  },
  {
    label: "Scopes page, q=write",
    page: "Scopes",
    role: "page",
    v1: `/v1/apis/${API}/scopes?q=write&limit=${PAGE_SIZE}`,
    check: (j) =>
      expect("total", j.total, scopesTotal / 2) ?? expect("rows", listOf(j, "scopes").length, PAGE_SIZE),
  },
  {
    label: `Scopes page, offset=${deepScopes}`,
    page: "Scopes",
    role: "page",
    v1: `/v1/apis/${API}/scopes?offset=${deepScopes}&limit=${PAGE_SIZE}`,
    check: (j) => expect("rows", listOf(j, "scopes").length, PAGE_SIZE),
  },
  {
    label: `baseline GET /v1/apis/${API}`,
    page: "Scopes",
    role: "baseline",
    v1: `/v1/apis/${API}`,
    check: (j) => expect("scopes", listOf(j, "scopes").length, scopesTotal),
  },
  {
    label: "Users page",
    page: "Users",
    role: "page",
    v1: `/v1/users?limit=${PAGE_SIZE}`,
    check: (j) =>
      expect("total", j.total, usersTotal) ?? expect("rows", listOf(j, "users").length, PAGE_SIZE),
  },
  {
    label: "Users page, q=user1",
    page: "Users",
    role: "page",
    v1: `/v1/users?q=user1&limit=${PAGE_SIZE}`,
    check: (j) => expect("rows", listOf(j, "users").length, PAGE_SIZE),
  },
  {
    label: `Users page, offset=${deepUsers}`,
    page: "Users",
    role: "page",
    v1: `/v1/users?offset=${deepUsers}&limit=${PAGE_SIZE}`,
    check: (j) => expect("rows", listOf(j, "users").length, PAGE_SIZE),
  },
  {
    label: "baseline GET /v1/users",
    page: "Users",
    role: "baseline",
    v1: "/v1/users",
    check: (j) => expect("users", listOf(j, "users").length, usersTotal),
  },
];

const DOCUMENT = { Scopes: `/console/apis/${API}`, Users: "/console/users" } as const;
const ASSETS = ["/console/assets/console.js", "/console/assets/console.css"];
const CONFIG = "/console/config.json";

interface Sample {
  /** The whole load: the sum of its calls. */
  ms: number;
  /** Each call's time, by path (the document by "document"). */
  calls: Map<string, number>;
  cpuMs: number;
}

const started = performance.now();
const loadBefore = os.loadavg();
const tenant = await ensureTenant();
console.log(
  `tenant: 1 Api (${API}) of ${SIZES.scopesPerApi.toLocaleString("en")} scopes, ${SIZES.roles} roles, ${SIZES.users.toLocaleString("en")} users, ${SIZES.applications} applications, ${SIZES.apiKeys.toLocaleString("en")} API keys (bench/reconcile/make-tenant.ts)${tenant.generated ? `, generated in ${(tenant.ms / 1000).toFixed(1)} s` : ", kept from an earlier run"}`,
);

const result = await withConsoleServer(async (server) => {
  try {
    return await measure(server);
  } catch (error) {
    console.error(`\nscopectl serve said:\n${(await server.log()).slice(-4000)}`);
    throw error;
  }
});

async function measure(server: ConsoleServer) {
  console.log(`scopectl apply of it: ${(server.applyMs / 1000).toFixed(1)} s; serving at ${server.url}`);
  let token = await tokenOf(server);

  // What the page loads beside its /v1 call: the document and assets only when the console is built.
  const document = await get(server.url, DOCUMENT.Scopes);
  const built = document.status === 200;
  const assets: string[] = [];
  if (built) {
    for (const asset of ASSETS) if ((await get(server.url, asset)).status === 200) assets.push(asset);
  }
  const config = await get(server.url, CONFIG);
  if (config.status !== 200) throw new Error(`${CONFIG}: ${config.status} ${config.body.toString()}`);

  const bytes = new Map<Kind, number>();
  /** One load of a kind; `verify`: parse its JSON and check it (outside the timed calls). */
  const load = async (kind: Kind, verify: boolean): Promise<Sample> => {
    const calls = new Map<string, number>();
    const cpuBefore = cpuSeconds(server.pid);
    let ms = 0;
    const call = async (name: string, path: string, auth: boolean) => {
      const answer = await get(server.url, path, auth ? token : undefined);
      if (answer.status !== 200) {
        throw new Error(`${path}: ${answer.status} ${answer.body.toString().slice(0, 300)}`);
      }
      calls.set(name, answer.ms);
      ms += answer.ms;
      return answer;
    };
    if (kind.role === "page") {
      if (built) await call("document", DOCUMENT[kind.page], false);
      for (const asset of assets) await call(asset, asset, false);
      await call(CONFIG, CONFIG, false);
      // The Api's heading (console/src/pages/api-tabs.tsx): the scope list's head, one scope asked for.
      if (kind.page === "Scopes") await call(HEADING, HEADING, true);
    }
    const answer = await call("v1", kind.v1, true);
    const cpuMs = (cpuSeconds(server.pid) - cpuBefore) * 1000;
    if (verify) {
      const problem = kind.check(JSON.parse(answer.body.toString()) as Record<string, unknown>);
      if (problem) throw new Error(`${kind.v1}: ${problem}`);
      bytes.set(kind, answer.bytes);
    } else if (answer.bytes !== bytes.get(kind)) {
      throw new Error(`${kind.v1}: ${answer.bytes} bytes, not the ${bytes.get(kind)} of the warm-up`);
    }
    return { ms, calls, cpuMs };
  };

  // The first call of each kind after the start: the views' per-snapshot indexes are built by the first
  // that needs them (the token check is warmed first by a call that needs none of them).
  await get(server.url, "/v1/apis?limit=1", token);
  const cold = new Map<Kind, number>();
  for (const kind of KINDS) cold.set(kind, (await load(kind, true)).calls.get("v1") ?? Number.NaN);

  for (let round = 0; round < WARM_UP; round++) for (const kind of KINDS) await load(kind, true);
  process.stdout.write(`warmed up (${WARM_UP} rounds); measuring ${ROUNDS} rounds `);

  const samples = new Map<Kind, Sample[]>(KINDS.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh token now and then, outside the timed calls (the default lifetime outlasts the bench).
    if (round > 0 && round % 100 === 0) token = await tokenOf(server);
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(i + round) % KINDS.length] as Kind;
      samples.get(kind)?.push(await load(kind, false));
    }
    if (round % 10 === 9) process.stdout.write(".");
  }
  process.stdout.write("\n\n");
  return { built, assets, cold, samples, bytes };
}

const { built, assets, cold, samples, bytes } = result;
const loadAfter = os.loadavg();
const ms = (x: number) => `${x.toFixed(1)} ms`;
const p = (values: readonly number[], q: number) => percentile(values, q);
const timesOf = (kind: Kind, call?: string) =>
  (samples.get(kind) ?? []).map((s) => (call ? (s.calls.get(call) ?? Number.NaN) : s.ms));
const baselineOf = (kind: Kind) => KINDS.find((k) => k.page === kind.page && k.role === "baseline") as Kind;

function table(rows: string[][]): void {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
  console.log();
}

const pageCalls = [...(built ? ["document"] : []), ...assets, CONFIG, `${HEADING} (Scopes pages)`, "v1"];
console.log(
  `Per load, ${ROUNDS} rounds, one keep-alive connection, one request at a time (client-side times over loopback)`,
);
console.log(
  built
    ? `a page load = ${pageCalls.join(" + ")}${assets.length < ASSETS.length ? ` (missing: ${ASSETS.filter((a) => !assets.includes(a)).join(", ")})` : ""}`
    : `a page load = ${CONFIG} + the /v1 call: the console is not built (no dist/console/: \`npm run build:console\`), so its document and assets are skipped`,
);
let allMet = true;
const rows = [
  [
    "kind",
    "answer",
    "p50",
    "p95",
    "max",
    "/v1 call p50/p95",
    "/v1 call vs baseline p50",
    "CPU/load",
    "vs baseline p50/p95",
    `p95 <= ${TARGET_MS} ms`,
  ],
];
for (const kind of KINDS) {
  const times = timesOf(kind);
  const base = timesOf(baselineOf(kind));
  const v1 = timesOf(kind, "v1");
  const cpu =
    (samples.get(kind) ?? []).reduce((sum, s) => sum + s.cpuMs, 0) / (samples.get(kind)?.length || 1);
  const page = kind.role === "page";
  const met = p(times, 0.95) <= TARGET_MS;
  if (page) allMet &&= met;
  rows.push([
    kind.label,
    `${((bytes.get(kind) ?? 0) / 1024).toFixed(0)} KiB`,
    ms(p(times, 0.5)),
    ms(p(times, 0.95)),
    ms(Math.max(...times)),
    `${p(v1, 0.5).toFixed(1)} / ${p(v1, 0.95).toFixed(1)} ms`,
    page ? `${(p(v1, 0.5) / p(base, 0.5)).toFixed(2)}x` : "-",
    ms(cpu),
    page
      ? `${(p(times, 0.5) / p(base, 0.5)).toFixed(2)}x / ${(p(times, 0.95) / p(base, 0.95)).toFixed(2)}x`
      : "-",
    page ? (met ? "PASS" : "FAIL") : "-",
  ]);
}
table(rows);

console.log("The page's other calls (within the page loads above)");
const other = pageCalls.filter((c) => c !== "v1");
const pageKinds = KINDS.filter((k) => k.role === "page");
table([
  ["call", "p50", "p95"],
  ...other.map((call) => {
    const all = pageKinds
      .flatMap((k) => timesOf(k, call.replace(" (Scopes pages)", "")))
      .filter(Number.isFinite);
    return [call === "document" ? "document (/console/<page>)" : call, ms(p(all, 0.5)), ms(p(all, 0.95))];
  }),
]);

console.log(
  `first call of each kind after the start (per-snapshot indexes built on first use): ${KINDS.map((k) => `${k.label} ${ms(cold.get(k) ?? Number.NaN)}`).join("; ")}`,
);
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
console.log(
  `\n${os.cpus().length} cores, load average before ${loads(loadBefore)}, after ${loads(loadAfter)}; Node ${process.version}`,
);
console.log(
  `target (every page's p95 <= ${TARGET_MS} ms): ${allMet ? "PASS" : "FAIL"}; bench took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
agent.destroy();
