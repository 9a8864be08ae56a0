/**
 * `scopectl serve --sync-repo` end to end, as a separate process over HTTP with real git: the first
 * pass applies the branch head; a push plus a signed webhook delivery is applied and shows in the next
 * token; a forged delivery does nothing; and the token service answers every request while it syncs.
 * Everything waits on events (the saved status, the served revision), bounded by a hang guard that
 * fails the test; latencies are printed as diagnostics, never asserted.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { CLI_ARGV } from "../support/cli.ts";
import { type GitRemote, gitRemote } from "../support/git-remote.ts";
import { freePort } from "../support/net.ts";
import { basic, claimsOf, postForm } from "../support/token-server.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures/tenant");
const HOOK_SECRET = "hook-secret-for-tests";
const CLIENT_SECRET = "scs_exporter-secret-for-the-sync-test-0123456789";
const ORDERS = "https://api.example.com/orders";

/** The fixture with a known client secret (from the environment) and this issuer. */
async function tenantAt(remote: GitRemote, issuer: string): Promise<void> {
  const apis = await readFile(path.join(FIXTURE, "apis.yaml"), "utf8");
  await remote.write(
    "apis.yaml",
    apis.replace(
      "  type: m2m\n",
      "  type: m2m\n  clientId: exporter\n  secret: { fromEnv: EXPORTER_SECRET }\n",
    ),
  );
  await remote.write(
    "settings.yaml",
    `apiVersion: scopectl/v1\nkind: Settings\nmetadata:\n  name: default\nspec:\n  issuer: ${issuer}\n`,
  );
  remote.push("known secret and issuer");
}

function serve(remote: GitRemote, port: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...CLI_ARGV,
      "serve",
      "--store",
      remote.store,
      "--port",
      String(port),
      "--poll-interval",
      "50",
      "--sync-repo",
      remote.remote,
      "--sync-interval",
      "1h", // only the first pass and webhooks sync in this test
      "--sync-clone-dir",
      remote.cloneDir,
    ],
    {
      env: {
        ...process.env,
        EXPORTER_SECRET: CLIENT_SECRET,
        SCOPECTL_WEBHOOK_SECRET: HOOK_SECRET,
        SCOPECTL_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return child;
}

const token = (url: string) =>
  postForm(
    `${url}/oauth2/token`,
    { grant_type: "client_credentials", audience: ORDERS },
    {
      authorization: basic("exporter", CLIENT_SECRET),
    },
  );

/**
 * Polls `probe` until it returns a value: at most `HANG_GUARD_MS` and 2000 probes, then the test FAILS
 * (with `describe()` for context). A hang guard, not a measurement: nothing here asserts how fast.
 */
const HANG_GUARD_MS = 60_000;
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  describe?: () => string,
): Promise<T> {
  const deadline = Date.now() + HANG_GUARD_MS;
  for (let i = 0; i < 2000 && Date.now() <= deadline; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(
    `${what} did not happen (hang guard: ${HANG_GUARD_MS} ms)${describe ? `: ${describe()}` : ""}`,
  );
}

/**
 * Token requests, one after the other, until stop() (or at most `max`, or the hang guard): every
 * answer must be 200. stop() always ends it, so a failed assertion cannot leave it running.
 */
function steadyLoad(url: string, max = 20_000) {
  let stopped = false;
  let requests = 0;
  const failures: string[] = [];
  const deadline = Date.now() + HANG_GUARD_MS * 2;
  const done = (async () => {
    while (!stopped && requests < max && Date.now() < deadline) {
      const answer = await token(url).catch((error: Error) => ({
        status: 0,
        body: { error: error.message },
      }));
      requests++;
      if (answer.status !== 200) {
        failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
        await new Promise((r) => setTimeout(r, 50)); // a dead server must not make this spin
      }
    }
  })();
  return {
    failures,
    get requests() {
      return requests;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

function push(url: string, body: object, signature?: string) {
  const text = JSON.stringify(body);
  return fetch(`${url}/hooks/git`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256":
        signature ?? `sha256=${createHmac("sha256", HOOK_SECRET).update(text).digest("hex")}`,
    },
    body: text,
  });
}

test("serve --sync-repo applies a push on its webhook, refuses a forged one, and keeps serving throughout", {
  timeout: 240_000,
}, async (t) => {
  const remote = await gitRemote(t, FIXTURE);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await tenantAt(remote, url);
  const child = serve(remote, port);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const statusOf = async (): Promise<SyncStatus | undefined> => {
    const store = await openSqliteStore(remote.store);
    try {
      return await store.syncStatus();
    } finally {
      await store.close();
    }
  };
  let load: ReturnType<typeof steadyLoad> | undefined;
  try {
    // The first pass applies the head, and the service serves it. (Asking for tokens before the client
    // exists would trip the failed-authentication limit, so wait for the apply and the reload first.)
    const applied = await until(
      "the first pass",
      async () => (await statusOf())?.lastApplied?.revision,
      () => stderr,
    );
    await until("the reload", async () => {
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { revision?: number };
      return (ready.revision ?? 0) >= applied ? true : undefined;
    });
    const first = await token(url);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(claimsOf(String(first.body.access_token)).scp, ["read:orders"], stderr);

    // Steady load while everything below happens: every request must succeed.
    load = steadyLoad(url);

    // A push, then the webhook: the loop applies it (the status names the commit), and the next tokens
    // carry the new scope.
    const apis = await readFile(path.join(remote.config, "apis.yaml"), "utf8");
    await remote.write(
      "apis.yaml",
      apis.replace(
        "    - name: read:orders\n      description: Read orders\n",
        "    - name: read:orders\n      description: Read orders\n    - name: write:orders\n      description: Write orders\n",
      ),
    );
    const added = remote.push("add write:orders");
    const hookedAt = Date.now();
    const hook = await push(url, { ref: "refs/heads/main", after: added });
    assert.equal(hook.status, 202, await hook.clone().text());
    await until(
      "the webhook's sync",
      async () => ((await statusOf())?.lastApplied?.sha === added ? true : undefined),
      () => stderr,
    );
    t.diagnostic(`webhook to applied commit: ${Date.now() - hookedAt} ms`);
    await until("the new scope in a token", async () => {
      const answer = await token(url);
      return (claimsOf(String(answer.body.access_token)).scp as string[]).includes("write:orders")
        ? true
        : undefined;
    });
    t.diagnostic(`webhook to the new scope in a token: ${Date.now() - hookedAt} ms`);

    // A forged delivery is refused (403) and triggers nothing: the interval is an hour, so no pass runs
    // after it. (The route's own test proves "no trigger" exactly; here the store, a second later, has
    // not moved: this can miss a bug, but never fail a correct build.)
    await remote.write("apis.yaml", apis);
    const removed = remote.push("remove write:orders again");
    const forged = await push(url, { ref: "refs/heads/main", after: removed }, `sha256=${"0".repeat(64)}`);
    assert.equal(forged.status, 403);
    await new Promise((r) => setTimeout(r, 1000));
    const status = await statusOf();
    assert.equal(status?.lastApplied?.sha, added, "a forged delivery must not sync");
    // No pass ran after the forged delivery: the loop has not even fetched the last push.
    assert.equal(status?.state, "Synced");
    assert.equal(status?.head, added);

    await load.stop();
    t.diagnostic(`${load.requests} token requests during the syncs`);
    assert.ok(load.requests > 0, "the load ran");
    assert.deepEqual(load.failures, [], "every token request during the syncs succeeded");
  } finally {
    await load?.stop();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      // A shutdown that hangs must not hang the test: SIGKILL after 15 s.
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(kill);
    }
  }
});
