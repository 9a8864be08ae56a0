/**
 * `scopectl sync` and `scopectl status` as a user runs them, against a real bare repository: a pass
 * applies the head, status reports it (text and JSON), a bad commit is Failed in both with exit 1,
 * generated secrets go to --secrets-out or nowhere, and bad options change nothing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { runCli } from "../support/cli.ts";
import { type GitRemote, gitRemote } from "../support/git-remote.ts";
import { SYNC_FIXTURE } from "../support/sync-tenant.ts";

/** `scopectl sync --once` against the remote, its clone in the remote's clone dir. */
function syncOnce(remote: GitRemote, ...args: string[]) {
  return runCli([
    "sync",
    "--repo",
    remote.remote,
    "--once",
    "--store",
    remote.store,
    "--clone-dir",
    remote.cloneDir,
    ...args,
  ]);
}

const status = (remote: GitRemote, ...args: string[]) => runCli(["status", "--store", remote.store, ...args]);

/** No secret value anywhere in what the command printed. */
function assertNoSecret(result: { stdout: string; stderr: string }): void {
  assert.doesNotMatch(result.stdout, /scs_/, "a client secret on stdout");
  assert.doesNotMatch(result.stderr, /scs_/, "a client secret on stderr");
}

test("sync --once applies the head and prints Synced; status shows it, as text and JSON; a bad commit is Failed in both", async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const head = remote.git("rev-parse", "HEAD");

  const synced = syncOnce(remote);
  assert.equal(synced.status, 0, synced.stderr);
  assert.match(synced.stdout, /^Synced {2}main of .*remote\.git \(config\/\), checked /m);
  assert.match(
    synced.stdout,
    new RegExp(`^ {2}last applied: +${head.slice(0, 12)} initial manifests \\(`, "m"),
  );
  // The fixture's m2m application got a secret: the log names it, never its value.
  assert.match(synced.stdout + synced.stderr, /"ids":\["Application exporter"\]/);
  assert.match(synced.stdout + synced.stderr, /secrets were generated but not shown; pass --secrets-out/);
  assertNoSecret(synced);

  const text = status(remote);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Synced {2}main of /);
  assert.match(
    text.stdout,
    new RegExp(`last applied: +${head.slice(0, 12)} initial manifests \\(.*revision 1\\)`),
  );
  assert.doesNotMatch(text.stdout, /error:|drift/);

  const json = status(remote, "--json");
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as SyncStatus;
  assert.equal(parsed.state, "Synced");
  assert.equal(parsed.head, head);
  assert.equal(parsed.lastApplied?.sha, head);
  assert.equal(parsed.lastApplied?.revision, 1);
  assert.deepEqual(parsed.drift, []);

  await remote.write("apis.yaml", "apiVersion: scopectl/v1\nkind: Api\nmetadata: [unclosed\n");
  const bad = remote.push("break the YAML");
  const failed = syncOnce(remote);
  assert.equal(failed.status, 1, "a pass that leaves status Failed exits 1");
  assert.match(failed.stdout, /^Failed {2}main of /m);
  assert.match(
    failed.stdout,
    new RegExp(`error: +commit ${bad.slice(0, 12)} \\(break the YAML\\) was not applied`),
  );

  const failedText = status(remote);
  assert.equal(failedText.status, 1);
  assert.match(failedText.stdout, /^Failed {2}main of /);
  assert.match(failedText.stdout, new RegExp(`last applied: +${head.slice(0, 12)} initial manifests`));
  assert.match(failedText.stdout, new RegExp(`last attempted: +${bad.slice(0, 12)} break the YAML`));
  assert.match(
    failedText.stdout,
    /error: +commit .* \(manifests in config\/\): apis\.yaml:4:1: YAML syntax error/,
  );

  const failedJson = status(remote, "--json");
  assert.equal(failedJson.status, 1);
  const failedStatus = JSON.parse(failedJson.stdout) as SyncStatus;
  assert.equal(failedStatus.state, "Failed");
  assert.equal(failedStatus.lastApplied?.sha, head);
  assert.equal(failedStatus.lastAttempted?.sha, bad);
  assert.match(failedStatus.error ?? "", /YAML syntax error/);

  const store = await openSqliteStore(remote.store);
  try {
    assert.equal(await store.revision(), 1, "the bad commit changed nothing");
  } finally {
    await store.close();
  }
});

test("--secrets-out: the generated secret is appended to the file (mode 0600) and printed nowhere", {
  timeout: 120_000,
}, async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const file = path.join(path.dirname(remote.cloneDir), "secrets.jsonl");
  await writeFile(file, '{"earlier":"line"}\n', { mode: 0o600 });

  const result = syncOnce(remote, "--secrets-out", file);
  assert.equal(result.status, 0, result.stderr);
  assertNoSecret(result);
  assert.match(result.stdout + result.stderr, /sync: new secrets written/);

  const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
  assert.equal(lines[0], '{"earlier":"line"}', "appended, not overwritten");
  assert.equal(lines.length, 2);
  const secret = JSON.parse(lines[1] ?? "") as Record<string, string>;
  assert.deepEqual(
    { kind: secret.kind, id: secret.id, field: secret.field, commit: secret.commit },
    {
      kind: "Application",
      id: "exporter",
      field: "clientSecret",
      commit: remote.git("rev-parse", "HEAD"),
    },
  );
  assert.match(secret.value ?? "", /^scs_/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);

  // A new file is created with mode 0600.
  const fresh = path.join(path.dirname(remote.cloneDir), "fresh.jsonl");
  await remote.write(
    "keys.yaml",
    "apiVersion: scopectl/v1\nkind: ApiKey\nmetadata:\n  name: scanner\nspec:\n  api: orders\n  scopes: [read:orders]\n",
  );
  remote.push("an API key");
  const again = syncOnce(remote, "--secrets-out", fresh);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal((await stat(fresh)).mode & 0o777, 0o600);
  assert.match(await readFile(fresh, "utf8"), /"kind":"ApiKey","id":"scanner"/);
});

test("--secrets-out that cannot safely take the secrets: the commit is not applied, and the status names the file", {
  timeout: 240_000,
}, async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const dir = path.dirname(remote.cloneDir);
  const target = path.join(dir, "target.jsonl");
  await writeFile(target, "", { mode: 0o600 });
  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      "an unwritable path",
      async () => path.join(dir, "no-such-folder", "s.jsonl"),
      /cannot write secrets to .*no-such-folder\/s\.jsonl: /,
    ],
    [
      "a symbolic link",
      async () => {
        const link = path.join(dir, "link.jsonl");
        await symlink(target, link);
        return link;
      },
      /link\.jsonl is a symbolic link; secrets are not written through a link/,
    ],
    [
      "a file others may read",
      async () => {
        const loose = path.join(dir, "loose.jsonl");
        await writeFile(loose, "", { mode: 0o644 });
        await chmod(loose, 0o644);
        return loose;
      },
      /loose\.jsonl is readable or writable by others \(mode 0644\); chmod 600 it, or name a new file/,
    ],
  ];
  if (process.getuid?.() === 0) {
    cases.push([
      "a file of another user",
      async () => {
        const theirs = path.join(dir, "theirs.jsonl");
        await writeFile(theirs, "", { mode: 0o600 });
        await chown(theirs, 4242, 4242);
        return theirs;
      },
      /theirs\.jsonl belongs to another user \(uid 4242\)/,
    ]);
  }
  for (const [what, make, message] of cases) {
    const file = await make();
    const result = syncOnce(remote, "--secrets-out", file);
    assert.equal(result.status, 1, `${what}: ${result.stdout}${result.stderr}`);
    const store = await openSqliteStore(remote.store);
    try {
      assert.equal(await store.revision(), 0, `${what}: the commit was applied`);
      const saved = await store.syncStatus();
      assert.equal(saved?.state, "Failed", what);
      assert.equal(saved?.lastApplied, undefined, what);
      assert.match(saved?.error ?? "", message, what);
    } finally {
      await store.close();
    }
    assertNoSecret(result);
  }
  assert.equal(await readFile(target, "utf8"), "", "nothing went through the link");

  // Not the commit's fault: once the file is fixed, the same commit applies (no new push needed).
  const fixed = syncOnce(remote, "--secrets-out", path.join(dir, "good.jsonl"));
  assert.equal(fixed.status, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /^Synced {2}/m);
  assert.match(await readFile(path.join(dir, "good.jsonl"), "utf8"), /"id":"exporter"/);
});

test("status without a sync: one clear error and exit 1 (as JSON with --json); a missing store file is not created", {
  timeout: 120_000,
}, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-status-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = path.join(dir, "missing.db");
  const none = runCli(["status", "--store", missing]);
  assert.equal(none.status, 1);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /^error: there is no store at .*missing\.db; start a sync with `scopectl sync/m);
  // --json always prints JSON on stdout, errors included: a script reads one document either way.
  const noneJson = runCli(["status", "--store", missing, "--json"]);
  assert.equal(noneJson.status, 1);
  assert.equal(noneJson.stderr, "");
  assert.match(
    (JSON.parse(noneJson.stdout) as { error: string }).error,
    /^there is no store at .*missing\.db; start a sync with `scopectl sync/,
  );
  assert.equal(existsSync(missing), false);

  const file = path.join(dir, "store.db");
  await (await openSqliteStore(file)).close();
  const text = runCli(["status", "--store", file]);
  assert.equal(text.status, 1);
  assert.equal(text.stdout, "");
  assert.match(
    text.stderr,
    /^error: no sync has run against this store; start one with `scopectl sync --repo \.\.\.`$/m,
  );
  const json = runCli(["status", "--store", file, "--json"]);
  assert.equal(json.status, 1);
  assert.equal(json.stderr, "");
  assert.deepEqual(JSON.parse(json.stdout), {
    error: "no sync has run against this store; start one with `scopectl sync --repo ...`",
    code: "sync.not-started",
  });
});

test("bad sync options: one sentence naming the flag, exit 1, and no store file or clone", async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  const bad: [string[], RegExp][] = [
    [
      ["sync", "--interval", "0"],
      /^error: --interval must be a duration of at least a second such as 30s or 5m, not "0"$/m,
    ],
    [["sync", "--interval", "soon"], /^error: --interval must be a duration .*, not "soon"$/m],
    [["sync", "--branch", "a..b"], /^error: --branch must be a branch name, not "a\.\.b"$/m],
    [["sync", "--path", "../x"], /^error: --path must be a folder inside the repository, not "\.\.\/x"$/m],
    [
      ["sync", "--require-signed", "/no/such/file"],
      /^error: the allowed signers file \/no\/such\/file does not exist$/m,
    ],
    [["sync", "--log-level", "loud"], /^error: --log-level must be one of .*info.*, not "loud"$/m],
    [
      ["serve", "--sync-interval", "0"],
      /^error: --sync-interval must be a duration of at least a second such as 30s or 5m, not "0"$/m,
    ],
    [["serve", "--sync-branch", "-x"], /^error: --sync-branch must be a branch name, not "-x"$/m],
    // Credentials in the issuer would be published in every token and the discovery document.
    [
      ["serve", "--issuer", "https://admin:hunter2@auth.example.com"],
      /^error: --issuer "https:\/\/\*\*\*@auth\.example\.com" has a user name or password before its host; an issuer carries no credentials$/m,
    ],
    [
      ["sync", "--repo", "ssh://git:hunter2@git.example/r.git"],
      /^error: --repo: a password in a ssh URL is not used by git; use an SSH key/m,
    ],
  ];
  for (const [[command = "", ...args], message] of bad) {
    const target =
      command === "sync"
        ? ["--repo", remote.remote, "--once", "--clone-dir", remote.cloneDir]
        : ["--sync-repo", remote.remote, "--sync-clone-dir", remote.cloneDir];
    const result = runCli([command, ...target, "--store", remote.store, ...args]);
    const what = `${command} ${args.join(" ")}`;
    assert.equal(result.status, 1, `${what}: ${result.stderr}`);
    assert.match(result.stderr, message, what);
    assert.equal(result.stderr.trim().split("\n").length, 1, `${what}: one line: ${result.stderr}`);
    assert.equal(result.stdout, "", what);
    assert.equal(existsSync(remote.store), false, `${what} created the store`);
    assert.equal(existsSync(remote.cloneDir), false, `${what} cloned`);
  }
  // A --sync-* option without --sync-repo would be silently ignored: refused instead.
  const stray = runCli(["serve", "--store", remote.store, "--sync-interval", "5s"]);
  assert.equal(stray.status, 1);
  assert.match(stray.stderr, /^error: --sync-interval needs --sync-repo$/m);
  assert.equal(existsSync(remote.store), false, "serve with a stray --sync-* option created the store");
});

test("drift: a hand edit of the store shows in status with its fields; sync --once --self-heal restores it", async (t) => {
  const remote = await gitRemote(t, SYNC_FIXTURE);
  assert.equal(syncOnce(remote).status, 0);
  const store = await openSqliteStore(remote.store);
  try {
    const api = (await store.get("Api", "orders")) ?? assert.fail("no Api orders");
    const ctx = { actor: "a script", managedBy: "scopectl" };
    await store.transaction(
      (tx) => tx.put("Api", "orders", { ...api.props, displayName: "Hand-edited" }, ctx),
      {
        ctx,
      },
    );
  } finally {
    await store.close();
  }
  const drifted = syncOnce(remote);
  assert.equal(drifted.status, 0, drifted.stderr);
  const shown = status(remote);
  assert.match(shown.stdout, /^OutOfSync {2}/);
  assert.match(shown.stdout, /drift: 1 row differs from the last applied commit/);
  assert.match(
    shown.stdout,
    /update Api orders\n +displayName: store has "Hand-edited", the commit says "Orders API"/,
  );

  const healed = syncOnce(remote, "--self-heal");
  assert.equal(healed.status, 0, healed.stderr);
  assert.match(healed.stdout, /^Synced {2}/m);
  const after = await openSqliteStore(remote.store);
  try {
    assert.equal((await after.get("Api", "orders"))?.props.displayName, "Orders API");
  } finally {
    await after.close();
  }
});
