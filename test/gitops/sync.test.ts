/**
 * The sync loop against real git: a bare remote, a working clone that pushes, and the loop's own clone.
 * Commits apply in order; a bad commit changes nothing and leaves status Failed until a good one
 * applies; a force-push is reported and its head applied; drift is reported and healed.
 */
import assert from "node:assert/strict";
import { rename } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { pino } from "pino";
import { GitMirror } from "../../src/gitops/mirror.ts";
import { SyncLoop, type SyncOptions } from "../../src/gitops/sync.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { type GitRemote, gitRemote } from "../support/git-remote.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures/tenant");

async function syncSetup(t: import("node:test").TestContext, options: Partial<SyncOptions> = {}) {
  const remote = await gitRemote(t, FIXTURE);
  const store = await openSqliteStore(remote.store);
  t.after(() => store.close());
  const secrets: string[] = [];
  const loop = new SyncLoop({
    store,
    mirror: new GitMirror(remote.remote, "main", remote.cloneDir),
    path: "config",
    logger: pino({ level: "silent" }),
    openSecrets: async () => ({
      write: async (made) => {
        for (const s of made) secrets.push(s.id);
      },
      close: async () => {},
    }),
    ...options,
  });
  t.after(() => loop.stop());
  return { remote, store, loop, secrets };
}

const scope = (name: string) => `    - name: ${name}\n      description: ${name}\n`;

/** Rewrites apis.yaml with these scopes on the orders Api. */
async function withScopes(remote: GitRemote, names: string[]): Promise<void> {
  const text = await import("node:fs/promises").then((fs) =>
    fs.readFile(path.join(FIXTURE, "apis.yaml"), "utf8"),
  );
  await remote.write(
    "apis.yaml",
    text.replace(
      scope("read:orders").replace(/description: .*/, "description: Read orders"),
      names.map(scope).join(""),
    ),
  );
}

async function scopeNames(store: Store): Promise<string[]> {
  return (await store.list("Scope")).map((s) => s.props.name).sort();
}

describe("scopectl sync", () => {
  test("the first pass applies the head; later commits apply one by one, in order, each with its commit", async (t) => {
    const { remote, store, loop, secrets } = await syncSetup(t);
    const first = await loop.syncOnce();
    assert.equal(first.state, "Synced");
    assert.equal(first.reason, "Succeeded");
    assert.equal(first.lastApplied?.sha, remote.git("rev-parse", "HEAD"));
    assert.deepEqual(await scopeNames(store), ["read:orders"]);
    assert.deepEqual(secrets, ["exporter"], "the generated secret goes to openSecrets' sink");

    await withScopes(remote, ["read:orders", "write:orders"]);
    const a = remote.push("add write:orders");
    await withScopes(remote, ["read:orders", "write:orders", "cancel:orders"]);
    const b = remote.push("add cancel:orders");
    const status = await loop.syncOnce();
    assert.equal(status.state, "Synced");
    assert.equal(status.lastApplied?.sha, b);
    assert.deepEqual(await scopeNames(store), ["cancel:orders", "read:orders", "write:orders"]);
    const revisions = await store.revisions(10);
    // Newest first: b, then a, each its own revision recording its commit.
    assert.deepEqual(
      revisions.slice(0, 2).map((r) => r.commit?.sha),
      [b, a],
    );
    assert.ok(revisions.every((r) => r.actor === "scopectl sync"));
    const again = await loop.syncOnce();
    assert.equal(again.lastApplied?.sha, b);
    assert.equal((await store.revisions(10)).length, revisions.length, "nothing new: no revision");
  });

  test("a bad commit changes nothing and leaves status Failed with the error and the commit; the fix applies", async (t) => {
    const { remote, store, loop } = await syncSetup(t);
    await loop.syncOnce();
    const good = remote.git("rev-parse", "HEAD");
    const revision = await store.revision();

    await remote.write("apis.yaml", "apiVersion: scopectl/v1\nkind: Api\nmetadata: [unclosed\n");
    const bad = remote.push("break the YAML");
    const failed = await loop.syncOnce();
    assert.equal(failed.state, "Failed");
    assert.equal(failed.reason, "CommitFailed");
    assert.equal(failed.lastAttempted?.sha, bad);
    assert.equal(failed.lastApplied?.sha, good);
    assert.match(failed.error ?? "", new RegExp(`commit ${bad.slice(0, 12)} \\(break the YAML\\)`));
    assert.match(
      failed.error ?? "",
      /in config\/\): apis\.yaml:4:1: YAML syntax error/,
      "the error names the folder in the repository and the file",
    );
    assert.equal(await store.revision(), revision, "the store is unchanged");
    assert.deepEqual(await store.syncStatus(), failed, "the status is saved in the store");

    // The next pass does not retry the bad commit, and still reports it.
    const still = await loop.syncOnce();
    assert.equal(still.state, "Failed");
    assert.equal(still.reason, "CommitFailed", "the carried-over failure keeps its reason");
    assert.equal(await store.revision(), revision);

    await withScopes(remote, ["read:orders", "write:orders"]);
    const fix = remote.push("fix the YAML, add write:orders");
    const fixed = await loop.syncOnce();
    assert.equal(fixed.state, "Synced");
    assert.equal(fixed.lastApplied?.sha, fix);
    assert.equal(fixed.error, undefined);
    assert.deepEqual(await scopeNames(store), ["read:orders", "write:orders"]);
  });

  test("a failed fetch is reported for its pass only; the bad commit's error comes back after it", async (t) => {
    const { remote, loop } = await syncSetup(t);
    await loop.syncOnce();
    await remote.write("apis.yaml", "apiVersion: scopectl/v1\nkind: Api\nmetadata: [unclosed\n");
    remote.push("break the YAML");
    const failed = await loop.syncOnce();
    assert.match(failed.error ?? "", /break the YAML/);

    await rename(remote.remote, `${remote.remote}.gone`);
    const unreachable = await loop.syncOnce();
    assert.equal(unreachable.state, "Failed");
    assert.equal(unreachable.reason, "FetchFailed");
    assert.match(unreachable.error ?? "", /cannot fetch main/);

    await rename(`${remote.remote}.gone`, remote.remote);
    const back = await loop.syncOnce();
    assert.equal(back.state, "Failed");
    assert.equal(back.reason, "CommitFailed");
    assert.equal(back.error, failed.error, "the commit's error, not the old fetch error");
  });

  test("a force-push that rewrites history is reported, and the new head is applied", async (t) => {
    const { remote, store, loop } = await syncSetup(t);
    await loop.syncOnce();
    const base = remote.git("rev-parse", "HEAD");
    await withScopes(remote, ["read:orders", "write:orders"]);
    const dropped = remote.push("add write:orders");
    await loop.syncOnce();

    remote.git("reset", "-q", "--hard", base);
    await withScopes(remote, ["read:orders", "audit:orders"]);
    const rewritten = remote.commit("add audit:orders instead");
    remote.forcePush();
    const status = await loop.syncOnce();
    assert.equal(status.state, "Synced");
    assert.deepEqual(
      { from: status.rewrite?.from, to: status.rewrite?.to },
      { from: dropped, to: rewritten },
    );
    assert.equal(status.lastApplied?.sha, rewritten);
    assert.deepEqual(await scopeNames(store), ["audit:orders", "read:orders"]);
  });

  test("drift: a row changed in the store is reported with its field diff; self-heal restores it", async (t) => {
    const { remote, store, loop } = await syncSetup(t);
    await loop.syncOnce();
    const api = (await store.get("Api", "orders")) ?? assert.fail("no Api");
    await store.transaction(
      (tx) => tx.put("Api", "orders", { ...api.props, displayName: "Hand-edited" }, ctx),
      {
        ctx,
      },
    );
    const drifted = await loop.syncOnce();
    assert.equal(drifted.state, "OutOfSync");
    assert.equal(drifted.reason, "DriftDetected");
    assert.deepEqual(
      drifted.drift.map((d) => [d.action, d.kind, d.id]),
      [["update", "Api", "orders"]],
    );
    assert.deepEqual(drifted.drift[0]?.diff, [
      { path: "displayName", before: "Hand-edited", after: "Orders API" },
    ]);
    assert.equal(
      (await store.get("Api", "orders"))?.props.displayName,
      "Hand-edited",
      "reported, not healed",
    );

    // The first loop leads until it stops (leadership is kept between passes): only then may another.
    await loop.stop();
    const healing = new SyncLoop({
      store,
      mirror: new GitMirror(remote.remote, "main", remote.cloneDir),
      path: "config",
      logger: pino({ level: "silent" }),
      selfHeal: true,
    });
    t.after(() => healing.stop());
    const healed = await healing.syncOnce();
    assert.equal(healed.state, "Synced");
    assert.deepEqual(healed.drift, []);
    assert.equal((await store.get("Api", "orders"))?.props.displayName, "Orders API");
    const last = (await store.revisions(1))[0];
    assert.equal(last?.actor, "scopectl sync (self-heal)");
  });

  test("a refused commit (signature check) is reported and changes nothing", async (t) => {
    const { remote, store, loop } = await syncSetup(t, {
      verifyCommit: async () => "the commit is not signed",
    });
    const status = await loop.syncOnce();
    assert.equal(status.state, "Failed");
    assert.equal(status.reason, "SignatureRefused");
    assert.match(status.error ?? "", /the commit is not signed/);
    assert.equal(status.lastApplied, undefined);
    assert.equal(await store.revision(), 0);
    assert.equal(remote.remote.endsWith("remote.git"), true);
  });
});

/** Polls `probe` every 50 ms until it is true; fails after `what` took over 30 s (a hang guard). */
async function until(what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < 600; i++) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > 30_000) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`${what} did not happen within 30 s`);
}

describe("the running loop (start, trigger)", () => {
  const appliedSha = async (store: Store) => (await store.syncStatus())?.lastApplied?.sha;

  test("after a triggered pass the loop keeps polling: a commit pushed later applies without a webhook", {
    timeout: 60_000,
  }, async (t) => {
    const { remote, store, loop } = await syncSetup(t);
    loop.start(200);
    const head = remote.git("rev-parse", "HEAD");
    await until("the first pass", async () => (await appliedSha(store)) === head);

    await withScopes(remote, ["read:orders", "write:orders"]);
    const hooked = remote.push("add write:orders");
    loop.trigger();
    t.diagnostic(
      `triggered commit applied after ${await until("the triggered pass", async () => (await appliedSha(store)) === hooked)} ms`,
    );

    await withScopes(remote, ["read:orders", "write:orders", "cancel:orders"]);
    const polled = remote.push("add cancel:orders");
    await until("the next timed pass", async () => (await appliedSha(store)) === polled);
    assert.deepEqual(await scopeNames(store), ["cancel:orders", "read:orders", "write:orders"]);
  });

  test("a webhook during a triggered pass is not dropped: the commit pushed meanwhile applies", {
    timeout: 60_000,
  }, async (t) => {
    let duringPass: (() => Promise<void>) | undefined;
    const { remote, store, loop } = await syncSetup(t, {
      // Runs inside the pass, between the fetch and the apply: where a webhook used to be lost.
      verifyCommit: async () => {
        const hook = duringPass;
        duringPass = undefined;
        await hook?.();
        return undefined;
      },
    });
    loop.start(3_600_000); // an hour: only the first pass and triggers sync here
    const head = remote.git("rev-parse", "HEAD");
    await until("the first pass", async () => (await appliedSha(store)) === head);

    await withScopes(remote, ["read:orders", "write:orders"]);
    const first = remote.push("add write:orders");
    let second = "";
    duringPass = async () => {
      await withScopes(remote, ["read:orders", "write:orders", "cancel:orders"]);
      second = remote.push("add cancel:orders");
      loop.trigger();
      loop.trigger();
    };
    loop.trigger();
    await until(
      "the pass after the webhook",
      async () => second !== "" && (await appliedSha(store)) === second,
    );
    const revisions = await store.revisions(10);
    assert.deepEqual(
      revisions.slice(0, 2).map((r) => r.commit?.sha),
      [second, first],
      "both commits applied, in order, once each",
    );
  });
});

const ctx = { actor: "someone by hand", managedBy: RECONCILER };
