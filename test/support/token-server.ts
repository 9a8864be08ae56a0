/**
 * A tenant served by the real token service: manifests written to a temp folder, applied to a real
 * SQLite store by the reconciler, and `startTokenServer` listening on an ephemeral loopback port.
 * `apply` writes new manifests and applies them while the server runs, as an operator would.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { startTokenServer, type TokenServer, type TokenServerOptions } from "../../src/server/server.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";

export interface ServedTenant {
  url: string;
  issuer: string;
  dir: string;
  storeFile: string;
  store: Store;
  server: TokenServer;
  /** Client secrets and API keys made so far, by Application or ApiKey name. */
  secrets: Map<string, string>;
  /** Replaces the manifests with `files` and applies them; resolves with the new store revision. */
  apply(files: Record<string, string>): Promise<number>;
  /** Waits until the server serves `revision` (or later). */
  served(revision: number): Promise<void>;
}

export const API_HEADER = (kind: string, name: string) =>
  `apiVersion: scopectl/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

async function writeTenant(dir: string, files: Record<string, string>): Promise<void> {
  for (const name of await readdir(dir)) if (name.endsWith(".yaml")) await rm(path.join(dir, name));
  for (const [name, content] of Object.entries(files)) {
    // A name may hold folders (specs/catalog.openapi.yaml), as a config folder does.
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

export async function serveTenant(
  t: TestContext,
  files: Record<string, string>,
  options: Partial<TokenServerOptions> = {},
): Promise<ServedTenant> {
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-serve-"));
  const dir = path.join(root, "config");
  await mkdir(dir);
  const storeFile = path.join(root, "store.db");
  const store = await openSqliteStore(storeFile);
  const secrets = new Map<string, string>();
  const apply = async (next: Record<string, string>) => {
    await writeTenant(dir, next);
    const { plan } = await planFolder(store, dir);
    const result = await applyPlan(store, plan, { actor: "test", managedBy: RECONCILER });
    for (const secret of result.secrets) secrets.set(secret.id, secret.value);
    return result.revision;
  };
  await apply(files);
  const server = await startTokenServer({
    store,
    pollIntervalMs: 25,
    logger: pino({ level: "silent" }),
    ...options,
  });
  t.after(async () => {
    await server.close();
    await store.close();
    await rm(root, { recursive: true, force: true });
  });
  const issuer = server.snapshot().issuer;
  return {
    url: server.url,
    issuer,
    dir,
    storeFile,
    store,
    server,
    secrets,
    apply,
    served: async (revision) => {
      const until = Date.now() + 5000;
      while ((server.source.current?.revision ?? 0) < revision) {
        if (Date.now() > until) throw new Error(`the server did not load revision ${revision} within 5 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** POST a form to `url` and return status, headers and the parsed JSON body. */
export async function postForm(
  url: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form))
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: params,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

/** The payload of a JWT, without verifying it (tests verify separately, with jose). */
export function claimsOf(token: string): Record<string, unknown> {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}
