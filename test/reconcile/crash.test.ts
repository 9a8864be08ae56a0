/**
 * Atomicity of `scopectl apply` itself: the real CLI is SIGKILLed at random moments of an apply, over
 * many runs, and each time the store must open at exactly the old revision or exactly the new one.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { CLI_ARGV, runCli } from "../support/cli.ts";

const RUNS = 50;
const PARALLEL = 2;
const USERS = 1_500;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A tenant of roles and users; `edited` renames every user and adds 300 more. */
async function writeTenant(dir: string, edited: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  const docs: string[] = [
    `apiVersion: scopectl/v1\nkind: Api\nmetadata:\n  name: orders\nspec:\n  audience: https://orders.example.com\n  scopes:\n    - name: read:orders\n      description: Read\n`,
  ];
  for (let r = 0; r < 20; r++) {
    docs.push(
      `apiVersion: scopectl/v1\nkind: Role\nmetadata:\n  name: role-${r}\nspec:\n  description: Role ${r}${edited ? " (edited)" : ""}\n  scopes:\n    orders: [read:orders]\n`,
    );
  }
  for (let u = 0; u < USERS + (edited ? 300 : 0); u++) {
    docs.push(
      `apiVersion: scopectl/v1\nkind: User\nmetadata:\n  name: user-${u}\nspec:\n  email: user${u}@example.com\n  name: User ${u}${edited ? " (edited)" : ""}\n  roles: [role-${u % 20}]\n`,
    );
  }
  await writeFile(path.join(dir, "tenant.yaml"), docs.join("---\n"));
}

/** Revision and a fingerprint of every row: what "exactly the old or the new state" is compared on. */
async function snapshot(file: string): Promise<{ revision: number; rows: string }> {
  const store = await openSqliteStore(file);
  try {
    const rows = (await store.listAll()).map(
      (r) => `${r.kind}/${r.id}=${JSON.stringify(r.props)}@${r.updatedRevision}`,
    );
    return { revision: await store.revision(), rows: rows.join("\n") };
  } finally {
    await store.close();
  }
}

function startApply(dir: string, store: string): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGV, "apply", dir, "--yes", "--store", store], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: "ignore",
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

// Fifty CLI applies, two at a time: about two minutes on a quiet machine, so more than the suite's
// default timeout on a loaded one.
test(`SIGKILL of scopectl apply at random moments (${RUNS} runs) leaves the store at the old or the new revision`, {
  timeout: 900_000,
}, async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-crash-"));
  dirs.push(root);
  const before = path.join(root, "before");
  const edited = path.join(root, "edited");
  await writeTenant(before, false);
  await writeTenant(edited, true);

  // The store at the old revision, and what a complete apply of the edit makes of it.
  const template = path.join(root, "template.db");
  assert.equal(runCli(["apply", before, "--yes", "--store", template]).status, 0);
  const old = await snapshot(template);
  const reference = path.join(root, "reference.db");
  await copyFile(template, reference);
  const started = Date.now();
  assert.equal(runCli(["apply", edited, "--yes", "--store", reference]).status, 0);
  const fullRun = Date.now() - started;
  const applied = await snapshot(reference);
  assert.equal(old.revision, 1);
  assert.equal(applied.revision, 2);

  const outcomes = { old: 0, new: 0 };
  let next = 0;
  const worker = async () => {
    while (next < RUNS) {
      const run = next++;
      const store = path.join(root, `run-${run}.db`);
      await copyFile(template, store);
      const child = startApply(edited, store);
      // From late start-up to well past a lone run's end: runs side by side are slower than the lone one.
      const delay = Math.floor(fullRun * (0.3 + Math.random() * 1.7));
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      await exited(child);
      clearTimeout(timer);
      const seen = await snapshot(store);
      if (seen.revision === old.revision) {
        assert.equal(
          seen.rows,
          old.rows,
          `run ${run} (killed after ${delay} ms): old revision with other rows`,
        );
        outcomes.old++;
      } else {
        assert.equal(seen.revision, applied.revision, `run ${run}: revision ${seen.revision}`);
        assert.equal(
          seen.rows,
          applied.rows,
          `run ${run} (killed after ${delay} ms): new revision with other rows`,
        );
        outcomes.new++;
      }
      await rm(store, { force: true });
      await rm(`${store}-wal`, { force: true });
      await rm(`${store}-shm`, { force: true });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  t.diagnostic(
    `a lone apply took ${fullRun} ms; after the kills: ${outcomes.old} at the old revision, ${outcomes.new} at the new`,
  );
  assert.equal(outcomes.old + outcomes.new, RUNS);
  // Both outcomes must occur, or the kills did not land across the apply.
  assert.ok(outcomes.old > 0 && outcomes.new > 0, `outcomes: ${JSON.stringify(outcomes)}`);
});
