/**
 * engine/reconcile.ts, the one path apply, up and the sync loop share: the order of its steps and what
 * each refusal leaves behind. A real SQLite file and the project's own config/ folder, in a temp dir.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { type ReconcileOptions, reconcile, type SecretsSink } from "../../src/engine/reconcile.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/** A copy of config/ (outside git, so no commit) and an empty store beside it. */
async function setUp(t: TestContext): Promise<{ store: Store; folder: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-reconcile-"));
  const folder = path.join(dir, "config");
  await cp(path.join(REPO_ROOT, "config"), folder, { recursive: true });
  const store = await openSqliteStore(path.join(dir, "store.db"));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, folder };
}

/** A sink that records what happens to it, in order, into `events`. */
function recordingSink(events: string[], failWrite = false): () => Promise<SecretsSink> {
  return async () => {
    events.push("open");
    return {
      write: async (secrets) => {
        events.push(`write ${secrets.length}`);
        if (failWrite) throw new Error("disk full");
      },
      close: async () => {
        events.push("close");
      },
    };
  };
}

describe("reconcile", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("review, secrets opened, confirm, transaction, onApplied, secrets written, closed: in that order", async (t) => {
    const { store, folder } = await setUp(t);
    const events: string[] = [];
    const options: ReconcileOptions = {
      actor: "test",
      review: ({ plan }) => {
        events.push(`review ${plan.changes.length > 0}`);
      },
      openSecrets: recordingSink(events),
      confirm: async () => {
        events.push(`confirm at revision ${await store.revision()}`);
        return true;
      },
      onApplied: ({ revision }) => {
        events.push(`applied ${revision}`);
      },
    };
    const result = await reconcile(store, { folder }, options);
    assert.equal(result.outcome, "applied");
    assert.equal(result.outcome === "applied" && result.secrets.length, 6);
    assert.deepEqual(events, [
      "review true",
      "open",
      "confirm at revision 0",
      "applied 1",
      "write 6",
      "close",
    ]);
    const [revision] = await store.revisions(1);
    assert.equal(revision?.actor, "test");

    // Nothing left to do: neither the secrets' destination nor the confirmation is touched.
    events.length = 0;
    assert.equal((await reconcile(store, { folder }, options)).outcome, "unchanged");
    assert.deepEqual(events, ["review false"]);
  });

  test("a destination for the secrets that cannot be opened stops the apply before the transaction", async (t) => {
    const { store, folder } = await setUp(t);
    const cause = new Error("no such folder");
    const result = await reconcile(
      store,
      { folder },
      {
        actor: "test",
        openSecrets: () => Promise.reject(cause),
        confirm: () => assert.fail("confirm asked although the secrets have nowhere to go"),
      },
    );
    assert.equal(result.outcome, "secrets-unavailable");
    assert.equal(result.outcome === "secrets-unavailable" && result.error, cause);
    assert.equal(await store.revision(), 0);
  });

  test("a cancelled confirmation applies nothing and closes the secrets' destination", async (t) => {
    const { store, folder } = await setUp(t);
    const events: string[] = [];
    const result = await reconcile(
      store,
      { folder },
      { actor: "test", openSecrets: recordingSink(events), confirm: async () => false },
    );
    assert.equal(result.outcome, "cancelled");
    assert.deepEqual(events, ["open", "close"]);
    assert.equal(await store.revision(), 0);
  });

  test("secrets that cannot be written after the transaction: applied, with the error, and closed", async (t) => {
    const { store, folder } = await setUp(t);
    const events: string[] = [];
    const result = await reconcile(
      store,
      { folder },
      { actor: "test", openSecrets: recordingSink(events, true) },
    );
    assert.equal(result.outcome, "applied");
    assert.match(String(result.outcome === "applied" && result.secretsError?.error), /disk full/);
    assert.deepEqual(events, ["open", "write 6", "close"]);
    assert.equal(await store.revision(), 1);
  });

  test("a plan made earlier that says it cannot be applied is refused before anything is opened", async (t) => {
    const { store, folder } = await setUp(t);
    const { plan } = await planFolder(store, folder);
    const blockers = [{ reason: "conflicts" as const, message: "said so" }];
    const events: string[] = [];
    const result = await reconcile(
      store,
      { plan, blockers },
      { actor: "test", openSecrets: recordingSink(events) },
    );
    assert.equal(result.outcome, "blocked");
    assert.deepEqual(result.outcome === "blocked" && result.blockers, blockers);
    assert.deepEqual(events, []);
    assert.equal(await store.revision(), 0);
  });
});
