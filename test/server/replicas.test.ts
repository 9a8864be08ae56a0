/**
 * Issue 14, acceptance 2: three `scopectl serve` processes on one PostgreSQL database behave as one
 * token service. An apply is seen in the next tokens of all three (through the store's change feed:
 * the replicas poll only once a minute here, so nothing else could bring it within seconds); a code
 * issued by one is redeemed at another; racing redemptions and refreshes across replicas have exactly
 * one winner, as on one replica; the failed client authentication limit counts across replicas.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeJwt } from "jose";
import { CLI_ARGV, runCli } from "../support/cli.ts";
import { freePort } from "../support/net.ts";
import { postgresForFile } from "../support/postgres.ts";
import { PASSWORD, signIn, WEB_REDIRECT } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm } from "../support/token-server.ts";
import { waitFor } from "../support/wait.ts";

const ORDERS = "https://orders.example";
const ROBOT_SECRET = "robot-secret-0123456789abcdef0123456789";
const WEB_SECRET = "web-secret-0123456789abcdef0123456789abc";

function tenant(issuer: string, robotScopes: string[]): string {
  return [
    `${API_HEADER("Settings", "default")}spec:\n  issuer: ${issuer}\n`,
    `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes:\n    - { name: "read:orders" }\n    - { name: "refund:orders" }\n`,
    `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  secret: { fromEnv: ROBOT_SECRET }\n  apis:\n    orders: { scopes: ${JSON.stringify(robotScopes)} }\n`,
    `${API_HEADER("Application", "web")}spec:\n  type: regular\n  clientId: web\n  secret: { fromEnv: WEB_SECRET }\n  redirectUris: ["${WEB_REDIRECT}"]\n  apis:\n    orders: { scopes: all }\n`,
    `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n  name: Alice Martin\n  additionalScopes:\n    orders: ["read:orders"]\n`,
  ].join("---\n");
}

interface Replica {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

const pg = postgresForFile();
let root = "";
let env: NodeJS.ProcessEnv = {};
let issuer = "";
const replicas: Replica[] = [];

async function applyTenant(robotScopes: string[]): Promise<void> {
  await writeFile(path.join(root, "config", "tenant.yaml"), tenant(issuer, robotScopes));
  const applied = runCli(["apply", "config", "--yes", "--allow-dirty"], { cwd: root, env });
  assert.equal(applied.status, 0, applied.stderr);
}

async function startReplica(port: number): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [...CLI_ARGV, "serve", "--port", String(port), "--poll-interval", "60000"],
    { cwd: root, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `replica ${url} ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { deadlineMs: 60_000 },
  );
  return { url, child, stderr: () => stderr };
}

const robotToken = (replica: Replica) =>
  postForm(
    `${replica.url}/oauth2/token`,
    { grant_type: "client_credentials", audience: ORDERS },
    { authorization: basic("robot", ROBOT_SECRET) },
  );

const asWeb = (replica: Replica, form: Record<string, string>) =>
  postForm(`${replica.url}/oauth2/token`, form, { authorization: basic("web", WEB_SECRET) });

describe("three serve replicas on one PostgreSQL database", { timeout: SUITE_TIMEOUT_MS }, () => {
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "scopectl-replicas-"));
    await mkdir(path.join(root, "config"));
    const ports = [await freePort(), await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${ports[0]}`;
    // The store URL (with its password) goes in the environment, never in argv.
    env = { SCOPECTL_STORE: await pg.database(), ROBOT_SECRET, WEB_SECRET };
    await applyTenant(["read:orders"]);
    const password = runCli(["users", "set-password", "alice@example.com"], {
      cwd: root,
      env,
      input: PASSWORD,
    });
    assert.equal(password.status, 0, password.stderr);
    for (const port of ports) replicas.push(await startReplica(port));
  });

  after(async () => {
    await Promise.all(
      replicas.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.child.exitCode !== null) return resolve();
            r.child.once("exit", () => resolve());
            r.child.kill("SIGTERM");
          }),
      ),
    );
    await rm(root, { recursive: true, force: true });
  });

  test("an apply is in the next tokens of every replica, through the change feed", {
    timeout: 120_000,
  }, async (t) => {
    for (const replica of replicas) {
      const answer = await robotToken(replica);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(decodeJwt(String(answer.body.access_token)).scope, "read:orders");
    }
    await applyTenant(["read:orders", "refund:orders"]);
    const applied = performance.now();
    const seenAfter: number[] = [];
    await Promise.all(
      replicas.map(async (replica) => {
        await waitFor(
          `the apply at ${replica.url}`,
          async () => {
            const answer = await robotToken(replica);
            return (
              answer.status === 200 &&
              decodeJwt(String(answer.body.access_token)).scope === "read:orders refund:orders"
            );
          },
          // Well below the replicas' 60 s poll: only a notification can bring the change this soon.
          { deadlineMs: 10_000, everyMs: 20 },
        );
        seenAfter.push(performance.now() - applied);
      }),
    );
    t.diagnostic(`seen by all three ${Math.max(...seenAfter).toFixed(0)} ms after the apply exited`);
  });

  test("a code issued by one replica is redeemed at another; a refresh at a third", {
    timeout: 120_000,
  }, async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const { redirect, verifier } = await signIn(a.url, { scope: "offline_access", audience: ORDERS });
    const code = redirect.searchParams.get("code") ?? assert.fail("no code");
    const exchanged = await asWeb(b, {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier ?? "",
      redirect_uri: WEB_REDIRECT,
    });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const refreshed = await asWeb(c, {
      grant_type: "refresh_token",
      refresh_token: String(exchanged.body.refresh_token),
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(decodeJwt(String(refreshed.body.access_token)).sub, "alice");
  });

  test("one code redeemed at three replicas at once: exactly one wins", { timeout: 120_000 }, async () => {
    const { redirect, verifier } = await signIn(replicas[0]?.url ?? "", {
      scope: "offline_access",
      audience: ORDERS,
    });
    const code = redirect.searchParams.get("code") ?? assert.fail("no code");
    const answers = await Promise.all(
      replicas.map((replica) =>
        asWeb(replica, {
          grant_type: "authorization_code",
          code,
          code_verifier: verifier ?? "",
          redirect_uri: WEB_REDIRECT,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 400, 400], JSON.stringify(answers.map((a) => a.body)));
    for (const lost of answers.filter((a) => a.status === 400))
      assert.equal(lost.body.error, "invalid_grant");
    // The second redemption revoked the grant (RFC 6749 §4.1.2): the winner's refresh token is dead too.
    const winner = answers.find((a) => a.status === 200);
    const refresh = await asWeb(replicas[1] as Replica, {
      grant_type: "refresh_token",
      refresh_token: String(winner?.body.refresh_token),
    });
    assert.equal(refresh.status, 400, JSON.stringify(refresh.body));
  });

  test("one refresh token rotated at three replicas at once: one wins, the reuse revokes the family", {
    timeout: 120_000,
  }, async () => {
    const { redirect, verifier } = await signIn(replicas[2]?.url ?? "", {
      scope: "offline_access",
      audience: ORDERS,
    });
    const first = await asWeb(replicas[0] as Replica, {
      grant_type: "authorization_code",
      code: redirect.searchParams.get("code") ?? "",
      code_verifier: verifier ?? "",
      redirect_uri: WEB_REDIRECT,
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const answers = await Promise.all(
      replicas.map((replica) =>
        asWeb(replica, { grant_type: "refresh_token", refresh_token: String(first.body.refresh_token) }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 400, 400],
      JSON.stringify(answers.map((a) => a.body)),
    );
    const winner = answers.find((a) => a.status === 200);
    const next = await asWeb(replicas[1] as Replica, {
      grant_type: "refresh_token",
      refresh_token: String(winner?.body.refresh_token),
    });
    assert.equal(next.status, 400, "a reused refresh token ends the whole grant, the winner's new token too");
  });

  test("failed client authentications are counted across replicas", { timeout: 120_000 }, async () => {
    // The default limit: 10 failed checks per client and address a minute. Spread over the three.
    const bad = (replica: Replica, i: number) =>
      postForm(
        `${replica.url}/oauth2/token`,
        { grant_type: "client_credentials", audience: ORDERS },
        { authorization: basic("robot", `wrong-secret-${i}`) },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await bad(replicas[i % 3] as Replica, i)).status);
    assert.deepEqual(statuses, Array(10).fill(401));
    for (const replica of replicas) {
      const refused = await bad(replica, 99);
      assert.equal(refused.status, 429, `the 11th failure, at ${replica.url}, is refused`);
    }
  });
});
