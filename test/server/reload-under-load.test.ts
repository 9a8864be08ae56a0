/**
 * Reload under load: while clients request tokens without pause, another process applies a change that
 * adds a scope and removes an application. No request may fail except the removed application's (after
 * the apply), and every request that starts after the server has loaded the new revision carries the
 * new scope. The order is read from events (a sequence number per request start and end, the revision
 * the server serves), never from the wall clock; how long propagation took is printed as a diagnostic.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { CLI_ARGV } from "../support/cli.ts";
import { API_HEADER, basic, claimsOf, postForm, serveTenant } from "../support/token-server.ts";

const api = (scopes: string[]) =>
  `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes:\n${scopes.map((s) => `    - name: "${s}"\n`).join("")}`;
const app = (name: string) =>
  `${API_HEADER("Application", name)}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n`;

interface Outcome {
  /** Sequence numbers of the request's start and of its answer, from one counter shared by all workers. */
  started: number;
  answered: number;
  /** The revision the server served when the request started. */
  servedAtStart: number;
  client: string;
  status: number;
  error?: string;
  scopes: string[];
}

function applyInAnotherProcess(dir: string, store: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGV, "apply", dir, "--yes", "--store", store], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`apply failed: ${stderr}`))));
  });
}

/** Bounds on the load, so that a server that never reloads fails the test instead of hanging it. */
const MAX_REQUESTS = 200_000;
const HANG_GUARD_MS = 60_000;
/** Requests each kept worker makes after the reload is seen, to show the new revision is served. */
const AFTER_RELOAD = 50;

test("an apply under load: only the removed app is refused, and requests after the reload carry the new scope", {
  timeout: 120_000,
}, async (t) => {
  const tenant = await serveTenant(t, {
    "api.yaml": api(["read:orders"]),
    "apps.yaml": `${app("kept")}---\n${app("removed")}`,
  });
  const secrets = { kept: tenant.secrets.get("kept") ?? "", removed: tenant.secrets.get("removed") ?? "" };
  const outcomes: Outcome[] = [];
  const served = () => tenant.server.source.current?.revision ?? 0;
  let sequence = 0;
  let running = true;
  const worker = async (client: "kept" | "removed") => {
    while (running && outcomes.length < MAX_REQUESTS) {
      const started = ++sequence;
      const servedAtStart = served();
      const res = await postForm(
        `${tenant.url}/oauth2/token`,
        { grant_type: "client_credentials" },
        { authorization: basic(client, secrets[client]) },
      );
      const token = typeof res.body.access_token === "string" ? res.body.access_token : undefined;
      outcomes.push({
        started,
        answered: ++sequence,
        servedAtStart,
        client,
        status: res.status,
        ...(typeof res.body.error === "string" ? { error: res.body.error } : {}),
        scopes: token ? String(claimsOf(token).scope).split(" ") : [],
      });
    }
  };
  const workers = [
    ...Array.from({ length: 6 }, () => worker("kept")),
    ...Array.from({ length: 2 }, () => worker("removed")),
  ];

  const settled = (predicate: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + HANG_GUARD_MS;
      const check = () => {
        if (predicate()) return resolve();
        if (Date.now() > deadline || outcomes.length >= MAX_REQUESTS) return reject(new Error(what));
        setTimeout(check, 10);
      };
      check();
    });
  try {
    await settled(() => outcomes.length >= 100, "the load never got going");
    const before = served();
    // The change, made by `scopectl apply` in another process on the same store file.
    await writeFile(path.join(tenant.dir, "api.yaml"), api(["read:orders", "write:orders"]));
    await writeFile(path.join(tenant.dir, "apps.yaml"), app("kept"));
    const applyStarted = performance.now();
    await applyInAnotherProcess(tenant.dir, tenant.storeFile);
    await settled(() => served() > before, "the server never loaded the applied revision");
    t.diagnostic(
      `revision ${served()} served ${Math.round(performance.now() - applyStarted)} ms after the apply started`,
    );
    const reloadedAt = sequence;
    await settled(
      () => outcomes.filter((o) => o.client === "kept" && o.started > reloadedAt).length >= 6 * AFTER_RELOAD,
      "the kept application's requests stopped after the reload",
    );
  } finally {
    running = false;
    await Promise.all(workers);
  }
  const newRevision = served();

  const kept = outcomes.filter((o) => o.client === "kept");
  const removed = outcomes.filter((o) => o.client === "removed");
  assert.ok(kept.length > 6 * AFTER_RELOAD, `the load ran (${kept.length} requests of the kept app)`);
  assert.deepEqual(
    kept.filter((o) => o.status !== 200),
    [],
    "every request of the kept application succeeded",
  );
  // The removed app: 200 until the reload, then invalid_client (401), and once it has failed ten times
  // from this address, the failed-authentication rate limit (429); never anything else.
  const refusals = removed.filter((o) => o.status !== 200);
  assert.ok(refusals.length > 0, "the removed application was refused after the apply");
  const unexpected = refusals.filter(
    (o) => !(o.error === "invalid_client" && (o.status === 401 || o.status === 429)),
  );
  assert.deepEqual(unexpected, [], "the removed application was refused only because it is gone");
  assert.ok(refusals.some((o) => o.status === 401));
  // Once the removed app has been refused, every request it starts afterwards is refused too.
  const firstRefusal = refusals.reduce((first, o) => Math.min(first, o.answered), Number.POSITIVE_INFINITY);
  assert.deepEqual(
    removed.filter((o) => o.started > firstRefusal && o.status === 200),
    [],
    "once refused, always refused",
  );
  // The new scope: in every kept token whose request started while the new revision was served.
  const afterReload = kept.filter((o) => o.servedAtStart >= newRevision);
  assert.ok(afterReload.length >= 6 * AFTER_RELOAD, `${afterReload.length} requests after the reload`);
  assert.deepEqual(
    afterReload.filter((o) => !o.scopes.includes("write:orders")),
    [],
    "every token requested after the reload carries the new scope",
  );
  // And none before the apply had it: the scope came with the new revision, not from elsewhere.
  assert.ok(kept.some((o) => o.answered < firstRefusal && !o.scopes.includes("write:orders")));
});
