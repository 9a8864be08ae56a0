/**
 * Credentials in a repository URL (`https://user:TOKEN@host/repo.git`) reach git and nothing else: not
 * the CLI's output, `scopectl status` (text and JSON), the stored status, `GET /v1/sync`, the logs, the
 * clone's files, nor git's own credential store. Against a real git smart-HTTP server on loopback that
 * demands Basic authentication (git http-backend), so the success path proves the token was used; and
 * against an unreachable port for the error path. Git's own credential helpers work for URLs without
 * credentials.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { promisify } from "node:util";
import { checkSyncOptions, createSyncLoop } from "../../src/cli/syncing.ts";
import { createLogger } from "../../src/server/logger.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { CLI_ARGV, type CliResult, REPO_ROOT } from "../support/cli.ts";
import { gitHttpServer } from "../support/git-http.ts";
import { type GitRemote, gitRemote } from "../support/git-remote.ts";
import { freePort } from "../support/net.ts";
import { SYNC_FIXTURE } from "../support/sync-tenant.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm, serveTenant } from "../support/token-server.ts";

const USER = "sync-bot";
const newToken = () => `tok_${randomBytes(12).toString("hex")}`;

/** A HOME of its own, whose git config keeps credentials with the `store` helper (~/.git-credentials). */
async function gitHome(t: TestContext): Promise<{ home: string; env: NodeJS.ProcessEnv }> {
  const home = await mkdtemp(path.join(os.tmpdir(), "scopectl-home-"));
  t.after(() => rm(home, { recursive: true, force: true }));
  await writeFile(path.join(home, ".gitconfig"), "[credential]\n\thelper = store\n");
  return { home, env: { HOME: home, GIT_CONFIG_NOSYSTEM: "1", SCOPECTL_LOG_LEVEL: "debug" } };
}

/** Every file under `dir` (the clone), as text. */
async function filesUnder(dir: string): Promise<string> {
  if (!existsSync(dir)) return "";
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(path.join(entry.parentPath, entry.name), "latin1"));
  }
  return parts.join("\n");
}

async function storedStatus(file: string): Promise<SyncStatus | undefined> {
  const store = await openSqliteStore(file);
  try {
    return await store.syncStatus();
  } finally {
    await store.close();
  }
}

/**
 * runCli, but without blocking this process: the git HTTP server the child talks to runs here. The
 * child is killed after 60 s (a hang fails the test rather than stalling it).
 */
async function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [status] = (await once(child, "close")) as [number | null];
  return { status, stdout, stderr };
}

function syncOnce(remote: GitRemote, repo: string, env: NodeJS.ProcessEnv) {
  return runCli(["sync", "--repo", repo, "--once", "--store", remote.store, "--clone-dir", remote.cloneDir], {
    env,
  });
}

/** The token appears in none of these texts (each labelled for the failure message). */
function assertNowhere(token: string, places: Record<string, string>): void {
  for (const [where, text] of Object.entries(places)) {
    assert.equal(text.includes(token), false, `the token is in ${where}:\n${text}`);
  }
}

describe("credentials in the repository URL", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("reach git (the server saw them) and appear in no output, status, clone file or credential store", async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { home, env } = await gitHome(t);
    const plain = `${server.url}/remote.git`;
    const repo = plain.replace("http://", `http://${USER}:${token}@`);

    const first = await syncOnce(remote, repo, env);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /^Synced {2}main of /m);
    assert.ok(server.users.includes(USER), "git authenticated with the URL's credentials");
    // The clone exists now: the second pass fetches through it, with the credentials again.
    const second = await syncOnce(remote, repo, env);
    assert.equal(second.status, 0, second.stdout + second.stderr);

    const text = await runCli(["status", "--store", remote.store], { env });
    const json = await runCli(["status", "--store", remote.store, "--json"], { env });
    assert.equal(text.status, 0, text.stderr);
    const status = await storedStatus(remote.store);
    assert.equal(status?.repo, plain, "the status names the repository without its credentials");
    assert.equal((JSON.parse(json.stdout) as SyncStatus).repo, plain);
    assertNowhere(token, {
      "the first sync's output": first.stdout + first.stderr,
      "the second sync's output": second.stdout + second.stderr,
      status: text.stdout + text.stderr,
      "status --json": json.stdout + json.stderr,
      "the stored status": JSON.stringify(status),
      "the clone's files (.git/config)": await filesUnder(remote.cloneDir),
      "~/.git-credentials": await filesUnder(home),
    });
    assert.equal(existsSync(path.join(home, ".git-credentials")), false, "git's store helper kept nothing");
  });

  test('a password of characters RFC 3986 does not allow raw (^ { } | ` " [ ] space \\ @) still reaches git only', async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    // Pasted as is, as people do; the last '@' ends it.
    const token = `${newToken()}^{x}|y\`q"z [b]\\w<>@end`;
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { home, env } = await gitHome(t);
    const plain = `${server.url}/remote.git`;
    const repo = plain.replace("http://", `http://${USER}:${token}@`);

    const synced = await syncOnce(remote, repo, env);
    assert.equal(synced.status, 0, synced.stdout + synced.stderr);
    assert.ok(server.users.includes(USER), "git authenticated with the URL's credentials");
    const json = await runCli(["status", "--store", remote.store, "--json"], { env });
    assert.equal((JSON.parse(json.stdout) as SyncStatus).repo, plain);
    const secret = token.slice(0, 28); // the random part: the rest is punctuation any text may hold
    assertNowhere(secret, {
      "the sync's output": synced.stdout + synced.stderr,
      "status --json": json.stdout + json.stderr,
      "the stored status": JSON.stringify(await storedStatus(remote.store)),
      "the clone's files (.git/config)": await filesUnder(remote.cloneDir),
      "~/.git-credentials": await filesUnder(home),
    });
  });

  test("a wrong token: Failed, the error names the URL without the token, and git asks no one", async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { env } = await gitHome(t);
    const wrong = newToken();
    const repo = `${server.url}/remote.git`.replace("http://", `http://${USER}:${wrong}@`);

    const failed = await syncOnce(remote, repo, env);
    assert.equal(failed.status, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /^Failed {2}/m);
    assert.ok(server.refused > 0, "the server refused the wrong credentials");
    const status = await storedStatus(remote.store);
    assert.match(status?.error ?? "", new RegExp(`cannot clone ${server.url}/remote\\.git`));
    const json = await runCli(["status", "--store", remote.store, "--json"], { env });
    assertNowhere(wrong, {
      "the sync's output": failed.stdout + failed.stderr,
      "status --json": json.stdout,
      "the stored status": JSON.stringify(status),
      "the clone's files": await filesUnder(remote.cloneDir),
    });
  });

  test("a clone made with the token in its origin URL gets the token removed from .git/config", async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { env } = await gitHome(t);
    const repo = `${server.url}/remote.git`.replace("http://", `http://${USER}:${token}@`);
    // What an earlier scopectl left: `git clone URL` keeps the URL, token and all, as origin.
    await promisify(execFile)(
      "git",
      ["clone", "-q", "--no-checkout", "--branch", "main", "--single-branch", repo, remote.cloneDir],
      { env: { ...process.env, ...env } },
    );
    assert.ok((await filesUnder(remote.cloneDir)).includes(token), "the old clone holds the token");

    const synced = await syncOnce(remote, repo, env);
    assert.equal(synced.status, 0, synced.stdout + synced.stderr);
    assertNowhere(token, {
      "the sync's output": synced.stdout + synced.stderr,
      "the clone's files (.git/config)": await filesUnder(remote.cloneDir),
    });
  });

  test("git's own credential helper (here from the environment) serves a URL without credentials", async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { env } = await gitHome(t);
    const synced = await syncOnce(remote, `${server.url}/remote.git`, {
      ...env,
      GIT_TOKEN: token,
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "credential.helper",
      GIT_CONFIG_VALUE_0: `!f() { test "$1" = get && echo username=${USER} && echo "password=$GIT_TOKEN"; }; f`,
    });
    assert.equal(synced.status, 0, synced.stdout + synced.stderr);
    assert.ok(server.users.includes(USER));
    assertNowhere(token, { "the sync's output": synced.stdout + synced.stderr });
  });

  test("an unreachable repository: the token is in no log line, stored status or GET /v1/sync", async (t) => {
    const management = "http://localhost:8080/v1";
    const tenant = await serveTenant(t, {
      "tenant.yaml": [
        `${API_HEADER("Api", "management")}spec:\n  audience: ${management}\n  scopes: [{ name: "read:apis" }]\n`,
        `${API_HEADER("Application", "reader")}spec:\n  type: m2m\n  apis:\n    management: { scopes: all }\n`,
      ].join("---\n"),
    });
    const token = newToken();
    const repo = `https://${USER}:${token}@127.0.0.1:${await freePort()}/tenant.git`;
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
    const settings = await checkSyncOptions(
      { repo, branch: "main", path: "config", interval: "30s" },
      (name) => `--${name}`,
    );
    const cloneDir = await mkdtemp(path.join(os.tmpdir(), "scopectl-clone-"));
    t.after(() => rm(cloneDir, { recursive: true, force: true }));
    const loop = createSyncLoop(
      tenant.store,
      tenant.storeFile,
      { ...settings, cloneDir: path.join(cloneDir, "c") },
      logger,
    );
    t.after(() => loop.stop());
    const status = await loop.syncOnce();
    assert.equal(status.state, "Failed");
    assert.match(status.error ?? "", /cannot clone https:\/\/127\.0\.0\.1:\d+\/tenant\.git/);

    const secret = tenant.secrets.get("reader") ?? assert.fail("no secret for reader");
    const issued = await postForm(
      `${tenant.url}/oauth2/token`,
      { grant_type: "client_credentials", audience: management },
      { authorization: basic("reader", secret) },
    );
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const served = await fetch(`${tenant.url}/v1/sync`, {
      headers: { authorization: `Bearer ${String(issued.body.access_token)}` },
    });
    assert.equal(served.status, 200);
    assertNowhere(token, {
      "the logs": lines.join(""),
      "the stored status": JSON.stringify(await tenant.store.syncStatus()),
      "GET /v1/sync": await served.text(),
    });
  });

  /**
   * `serve` with `args` (and `env`) following an unreachable repository: waits (bounded) for the first
   * pass's Failed status, checks the output names the repository without the token, and returns what
   * scopectl's own command line was while it ran (/proc; empty where there is none).
   */
  async function serveSyncing(
    t: TestContext,
    args: (repo: string) => string[],
    env: (repo: string) => NodeJS.ProcessEnv = () => ({}),
  ): Promise<{ token: string; cmdline: string }> {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const repo = `https://${USER}:${token}@127.0.0.1:${await freePort()}/tenant.git`;
    const home = await gitHome(t);
    const child: ChildProcess = spawn(
      process.execPath,
      [
        ...CLI_ARGV,
        "serve",
        "--store",
        remote.store,
        "--port",
        "0",
        "--sync-clone-dir",
        remote.cloneDir,
        ...args(repo),
      ],
      { env: { ...process.env, ...home.env, ...env(repo) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    try {
      // The first pass fails to fetch and saves its status: wait for that (bounded), then look.
      const deadline = Date.now() + 60_000;
      let status: SyncStatus | undefined;
      for (let i = 0; i < 600 && status === undefined; i++) {
        if (Date.now() > deadline || child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
        status = existsSync(remote.store)
          ? await storedStatus(remote.store).catch(() => undefined)
          : undefined;
      }
      assert.equal(status?.state, "Failed", `no Failed status was saved:\n${output}`);
      assert.match(output, /following main of https:\/\/127\.0\.0\.1:\d+\/tenant\.git/);
      assertNowhere(token, {
        "serve's output and logs": output,
        "the stored status": JSON.stringify(status),
      });
      const proc = `/proc/${child.pid}/cmdline`;
      const cmdline = existsSync(proc) ? (await readFile(proc, "utf8")).replaceAll("\0", " ") : "";
      return { token, cmdline };
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
  }

  test("serve --sync-repo prints and logs the repository without the token", async (t) => {
    await serveSyncing(t, (repo) => ["--sync-repo", repo]);
  });

  test("SCOPECTL_SYNC_REPO: serve follows it, and the token is not in scopectl's command line (ps)", async (t) => {
    const { token, cmdline } = await serveSyncing(
      t,
      () => [],
      (repo) => ({ SCOPECTL_SYNC_REPO: repo }),
    );
    assert.equal(cmdline.includes(token), false, cmdline);
  });

  test("SCOPECTL_SYNC_REPO: sync takes the URL from it (no --repo), and the credentials reach git", async (t) => {
    const remote = await gitRemote(t, SYNC_FIXTURE);
    const token = newToken();
    const server = await gitHttpServer(t, path.dirname(remote.remote), { user: USER, password: token });
    const { env } = await gitHome(t);
    const repo = `${server.url}/remote.git`.replace("http://", `http://${USER}:${token}@`);
    const synced = await runCli(["sync", "--once", "--store", remote.store, "--clone-dir", remote.cloneDir], {
      env: { ...env, SCOPECTL_SYNC_REPO: repo },
    });
    assert.equal(synced.status, 0, synced.stdout + synced.stderr);
    assert.ok(server.users.includes(USER), "git authenticated with the URL's credentials");
    assertNowhere(token, { "the sync's output": synced.stdout + synced.stderr });
    // --repo still wins over the environment.
    const given = await runCli(
      [
        "sync",
        "--once",
        "--repo",
        `${server.url}/remote.git`,
        "--store",
        remote.store,
        "--clone-dir",
        remote.cloneDir,
      ],
      { env: { ...env, SCOPECTL_SYNC_REPO: "https://nowhere.invalid/r.git" } },
    );
    assert.equal(given.status, 1, given.stdout + given.stderr);
    assert.match(given.stdout, new RegExp(`Failed  main of ${server.url}/remote\\.git`));
  });
});
