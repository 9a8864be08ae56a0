/**
 * Reload under load: while clients request tokens without pause, another process applies a change that
 * adds a scope and removes an application. No request may fail except the removed application's (after
 * the apply), and the new scope must reach tokens within 2 seconds of the apply.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../support/cli.ts";
import { API_HEADER, basic, claimsOf, postForm, serveTenant } from "../support/token-server.ts";

const TSX = import.meta.resolve("tsx");

const api = (scopes: string[]) =>
  `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes:\n${scopes.map((s) => `    - name: "${s}"\n`).join("")}`;
const app = (name: string) =>
  `${API_HEADER("Application", name)}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n`;

interface Outcome {
  at: number;
  client: string;
  status: number;
  error?: string;
  scopes: string[];
}

function applyInAnotherProcess(dir: string, store: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", TSX, path.join(REPO_ROOT, "src/cli/main.ts"), "apply", dir, "--yes", "--store", store],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`apply failed: ${stderr}`))));
  });
}

test("an apply under load: only the removed app is refused, and the new scope shows within 2 s", async (t) => {
  const tenant = await serveTenant(t, {
    "api.yaml": api(["read:orders"]),
    "apps.yaml": `${app("kept")}---\n${app("removed")}`,
  });
  const secrets = { kept: tenant.secrets.get("kept") ?? "", removed: tenant.secrets.get("removed") ?? "" };
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async (client: "kept" | "removed") => {
    while (running) {
      const res = await postForm(
        `${tenant.url}/oauth2/token`,
        { grant_type: "client_credentials" },
        { authorization: basic(client, secrets[client]) },
      );
      const token = typeof res.body.access_token === "string" ? res.body.access_token : undefined;
      outcomes.push({
        at: Date.now(),
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

  await new Promise((r) => setTimeout(r, 500));
  // The change, made by `scopectl apply` in another process on the same store file.
  await writeFile(path.join(tenant.dir, "api.yaml"), api(["read:orders", "write:orders"]));
  await writeFile(path.join(tenant.dir, "apps.yaml"), app("kept"));
  await applyInAnotherProcess(tenant.dir, tenant.storeFile);
  // When the apply committed, as the store recorded it (the child exits a little later).
  const [latest] = await tenant.store.revisions(1);
  const appliedAt = Date.parse(latest?.time ?? "");
  assert.ok(Number.isFinite(appliedAt));
  await new Promise((r) => setTimeout(r, 2500));
  running = false;
  await Promise.all(workers);

  const kept = outcomes.filter((o) => o.client === "kept");
  const removed = outcomes.filter((o) => o.client === "removed");
  assert.ok(kept.length > 100, `the load ran (${kept.length} requests of the kept app)`);
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
  const firstRefusal = Math.min(...refusals.map((o) => o.at));
  assert.ok(
    removed.filter((o) => o.at > firstRefusal + 50).every((o) => o.status !== 200),
    "once refused, always refused",
  );
  // The new scope: in every kept token that was requested 2 s after the apply finished.
  const withScope = kept.filter((o) => o.scopes.includes("write:orders"));
  assert.ok(withScope.length > 0, "the new scope appeared");
  const firstWithScope = Math.min(...withScope.map((o) => o.at));
  assert.ok(
    firstWithScope - appliedAt < 2000,
    `the new scope appeared ${firstWithScope - appliedAt} ms after the apply`,
  );
  const late = kept.filter((o) => o.at > appliedAt + 2000);
  assert.ok(late.length > 0 && late.every((o) => o.scopes.includes("write:orders")));
});
