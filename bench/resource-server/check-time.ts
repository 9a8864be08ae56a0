/**
 * The in-process measurement (no HTTP), in its own process (spawned by run.ts): the time of one call,
 * awaited one after the other, of
 *   jwtVerify  `jwtVerify` against createLocalJWKSet with the library's claims checks, then the route's
 *              scope looked for by hand: the floor;
 *   check      `server.check(request)` of a ResourceServer over the catalog spec with the same keys: the
 *              route match, the Authorization header, the verification, the Principal, the scope.
 *
 *   check-time.ts JWKS_FILE SECONDS   (the token in BENCH_TOKEN)
 *
 * Both run in the same process, in alternating batches of BATCH calls (the order swapped every pair), so
 * that the load other work puts on a shared machine, which moves one run's time by 2x or more, falls on
 * both alike; each pair gives a ratio, and the medians are printed as JSON. Beside the wall time, the
 * process's CPU time per call (all threads: the signature check runs on libuv's pool while the main
 * thread waits for it, idle). A warm-up of both (a third of the time) first. Every call's result is
 * checked (an allow), so a broken token fails the bench instead of measuring a refusal.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import { ResourceServer } from "../../src/resource-server/resource-server.ts";
import { median } from "./stats.ts";
import {
  AUDIENCE,
  CATALOG_SPEC,
  holdsScope,
  ISSUER,
  REQUEST_PATH,
  REQUIRED_SCOPE,
  readJwks,
  VERIFY_OPTIONS,
} from "./tokens.ts";

const BATCH = 100;
const [jwksFile, seconds] = process.argv.slice(2);
const token = process.env.BENCH_TOKEN;
if (!jwksFile || !token) {
  console.error("usage: BENCH_TOKEN=... check-time.ts JWKS_FILE SECONDS");
  process.exit(2);
}
const jwks = readJwks(jwksFile);

const keys = createLocalJWKSet(jwks);
async function bare(): Promise<void> {
  const header = `Bearer ${token}`;
  const { payload } = await jwtVerify(header.slice(7), keys, VERIFY_OPTIONS);
  if (!holdsScope(payload, REQUIRED_SCOPE)) throw new Error("the token lacks the scope");
}

const server = await ResourceServer.fromSpec(CATALOG_SPEC, {
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: jwks,
});
async function check(): Promise<void> {
  const decision = await server.check({
    method: "GET",
    path: REQUEST_PATH,
    query: "",
    headers: { authorization: `Bearer ${token}`, host: "127.0.0.1" },
  });
  if (decision.outcome !== "allow") throw new Error(`the check said ${JSON.stringify(decision)}`);
}

/** One batch: wall and CPU microseconds per call. */
async function batch(call: () => Promise<void>): Promise<{ us: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < BATCH; i++) await call();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { us: (wall * 1000) / BATCH, cpuUs: (used.user + used.system) / BATCH };
}

const totalMs = Number(seconds ?? 4) * 1000;
const warmUntil = performance.now() + totalMs / 3;
while (performance.now() < warmUntil) {
  await batch(bare);
  await batch(check);
}
const pairs: Array<{ bare: { us: number; cpuUs: number }; check: { us: number; cpuUs: number } }> = [];
const until = performance.now() + totalMs;
while (performance.now() < until) {
  if (pairs.length % 2 === 0) {
    const b = await batch(bare);
    pairs.push({ bare: b, check: await batch(check) });
  } else {
    const c = await batch(check);
    pairs.push({ check: c, bare: await batch(bare) });
  }
}
console.log(
  JSON.stringify({
    jwtVerify: { us: median(pairs.map((p) => p.bare.us)), cpuUs: median(pairs.map((p) => p.bare.cpuUs)) },
    check: { us: median(pairs.map((p) => p.check.us)), cpuUs: median(pairs.map((p) => p.check.cpuUs)) },
    ratio: median(pairs.map((p) => p.check.us / p.bare.us)),
    cpuRatio: median(pairs.map((p) => p.check.cpuUs / p.bare.cpuUs)),
    pairs: pairs.length,
    calls: pairs.length * BATCH * 2,
  }),
);
