/**
 * The server side of bench/console: the large tenant of bench/reconcile (make-tenant.ts) resized to
 * one Api of 5,000 scopes (and its 500 roles, 20,000 users, 500 applications, 2,000 API keys), plus
 * what the console needs: Settings with the server's own issuer, the management Api, the console's spa
 * Application (so /console/config.json answers) and an m2m reader with read:apis and read:users.
 * `scopectl apply` of it to an SQLite file in a temp folder, then `scopectl serve` on it (src/cli/main.ts
 * under tsx, as bench/token and bench/upload run it) on an ephemeral loopback port, in its own process.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SIZES, writeTenant } from "../reconcile/make-tenant.ts";
import { cliArgs, freePort, root, secretFromFile, spawnServe, stop } from "../token/harness.ts";

/** The Api whose Scopes page is measured: make-tenant.ts names its first Api so. */
export const API = "api-00";
export const READER = "console-bench-reader";
export const CONSOLE_APP = "console";

// make-tenant.ts builds 50 Apis of 100 scopes; the console's target is of one Api with 5,000 (issue 17).
// This process owns its SIZES, so the resize stays here; the other sizes are the reconcile bench's.
SIZES.apis = 1;
SIZES.scopesPerApi = Number(process.env.BENCH_SCOPES ?? 5_000);
// make-tenant.ts makes them in read/write pairs; the pages measured need more than two pages of them.
if (!Number.isInteger(SIZES.scopesPerApi / 2) || SIZES.scopesPerApi < 200) {
  throw new Error(`BENCH_SCOPES: an even number of 200 or more, not ${process.env.BENCH_SCOPES}`);
}

export const TENANT_DIR = path.join(root, "bench/out/console/tenant");

const header = (kind: string, name: string) =>
  `apiVersion: scopectl/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

/** The console's own documents, for a server at `issuer`. */
function consoleManifests(issuer: string): string {
  return [
    `${header("Settings", "bench")}spec:\n  issuer: ${issuer}\n`,
    `${header("Api", "management")}spec:\n  audience: ${issuer}/v1\n  displayName: scopectl management API\n  scopes:\n    - { name: "read:apis" }\n    - { name: "read:users" }\n`,
    `${header("Application", CONSOLE_APP)}spec:\n  type: spa\n  redirectUris: ["${issuer}/console/callback"]\n  apis:\n    management: { scopes: ["read:apis", "read:users"] }\n`,
    `${header("Application", READER)}spec:\n  type: m2m\n  apis:\n    management: { scopes: ["read:apis", "read:users"] }\n`,
  ].join("---\n");
}

/** Writes the tenant once (bench/out/console/tenant, kept between runs; BENCH_REGENERATE=1 redoes it). */
export async function ensureTenant(): Promise<{ generated: boolean; ms: number }> {
  // Beside the folder, not in it: apply reads every manifest file of the folder.
  const sizesFile = `${TENANT_DIR}.sizes.json`;
  const sizes = JSON.stringify(SIZES);
  const current = existsSync(sizesFile) ? await readFile(sizesFile, "utf8") : "";
  if (current === sizes && !process.env.BENCH_REGENERATE) return { generated: false, ms: 0 };
  const started = performance.now();
  await writeTenant(TENANT_DIR, "base");
  await writeFile(sizesFile, sizes);
  return { generated: true, ms: performance.now() - started };
}

export interface ConsoleServer {
  url: string;
  /** The management API's audience: the issuer's `/v1`. */
  audience: string;
  pid: number;
  readerSecret: string;
  /** How long `scopectl apply` of the tenant took, in ms. */
  applyMs: number;
  /** The server's stderr so far (a failure's explanation). */
  log(): Promise<string>;
}

/** Applies the tenant to a fresh store and serves it while `fn` runs; removes the temp folder after. */
export async function withConsoleServer<T>(fn: (server: ConsoleServer) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-console-"));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The issuer is the port's, so this file is rewritten each run (the rest of the tenant is kept).
    await writeFile(path.join(TENANT_DIR, "console.yaml"), consoleManifests(url));
    const store = path.join(dir, "store.db");
    const secretsFile = path.join(dir, "secrets.json");
    const applyStarted = performance.now();
    // Its stderr (a line on the 2,501 secrets written) is shown only when it fails.
    const applied = spawnSync(
      process.execPath,
      cliArgs("apply", TENANT_DIR, "--yes", "--store", store, "--secrets-out", secretsFile),
      { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (applied.status !== 0) {
      throw new Error(
        `scopectl apply: ${applied.error?.message ?? `exited ${applied.status}`}\n${applied.stderr}`,
      );
    }
    const applyMs = performance.now() - applyStarted;
    const readerSecret = await secretFromFile(secretsFile, READER);
    const served = await spawnServe(dir, store, port, url, 120_000);
    child = served.child;
    const { pid, log } = served;
    return await fn({
      url,
      audience: `${url}/v1`,
      pid,
      readerSecret,
      applyMs,
      log,
    });
  } finally {
    if (child && child.exitCode === null) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}
