/**
 * The server side of bench/upload: a tenant whose Api `things` takes its OpenAPI spec by upload, and an
 * m2m client allowed to upload, replace and delete it; `scopectl apply` of it to an SQLite file in a
 * temp folder, then `scopectl serve` on it (src/cli/main.ts under tsx, as bench/token runs it) on an
 * ephemeral loopback port, in its own process.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cliArgs, cpuSeconds, freePort, secretFromFile, spawnServe, stop } from "../token/harness.ts";

export const API = "things";
export const CLIENT_ID = "bench-uploader";
/** What a first import needs, and delete:api_scopes for the DELETE between repetitions. */
const PERMISSIONS = ["create:api_scopes", "update:apis", "delete:api_scopes"];

export interface UploadServer {
  url: string;
  /** The management API's audience: the issuer's `/v1`. */
  audience: string;
  pid: number;
  clientSecret: string;
  /** The temp folder: a working directory without a `config/` folder, for `openapi preview`. */
  dir: string;
  /** The server's stderr so far (a failure's explanation). */
  log(): Promise<string>;
}

const header = (kind: string, name: string) =>
  `apiVersion: scopectl/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

function manifests(issuer: string): string {
  return [
    `${header("Settings", "bench")}spec:\n  issuer: ${issuer}\n`,
    `${header("Api", "management")}spec:\n  audience: ${issuer}/v1\n  scopes:\n${PERMISSIONS.map((p) => `    - { name: "${p}" }\n`).join("")}`,
    `${header("Api", API)}spec:\n  audience: https://things.example\n`,
    `${header("OpenApiSource", `${API}-spec`)}spec:\n  api: ${API}\n  upload: true\n`,
    `${header("Application", CLIENT_ID)}spec:\n  type: m2m\n  apis:\n    management: { scopes: [${PERMISSIONS.map((p) => `"${p}"`).join(", ")}] }\n`,
  ].join("---\n");
}

/** Serves the tenant while `fn` runs; removes the temp folder after. */
export async function withUploadServer<T>(fn: (server: UploadServer) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-upload-"));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const tenant = path.join(dir, "tenant");
    await mkdir(tenant);
    await writeFile(path.join(tenant, "tenant.yaml"), manifests(url));
    const store = path.join(dir, "store.db");
    const secretsFile = path.join(dir, "secrets.json");
    execFileSync(
      process.execPath,
      cliArgs("apply", tenant, "--yes", "--store", store, "--secrets-out", secretsFile),
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const clientSecret = await secretFromFile(secretsFile, CLIENT_ID);
    const served = await spawnServe(dir, store, port, url);
    child = served.child;
    const { pid, log } = served;
    return await fn({
      url,
      audience: `${url}/v1`,
      pid,
      clientSecret,
      dir,
      log,
    });
  } finally {
    if (child && child.exitCode === null) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Waits until the server has been idle (< 20 ms of CPU in 500 ms) or 60 s have passed: after a write it
 * reloads its snapshot of the store, which must not fall into the next measurement.
 */
export async function settle(pid: number): Promise<void> {
  const until = Date.now() + 60_000;
  let before = cpuSeconds(pid);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds(pid);
    if (now - before < 0.02) return;
    before = now;
  }
}
