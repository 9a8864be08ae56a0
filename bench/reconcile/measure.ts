/**
 * One measurement of bench/reconcile, in its own process (spawned by run.ts); prints JSON on stdout.
 *   parse DIR             baseline for plans: read every YAML (and spec) file of the tenant and parse it
 *                         with js-yaml (the fast path's parser; JSON with JSON.parse)
 *   parse-yaml DIR        the same with the `yaml` package (every file's parse before the fast path)
 *   plan DIR STORE        a plan as `scopectl plan` makes it: the store's plan record answers when it
 *                         still holds (engine/plan-record.ts); otherwise load, check, read the store, diff
 *   plan-recompute DIR STORE  a full plan whatever the record says (`scopectl plan --recompute`)
 *   replan DIR STORE      in one process, as `up`'s watcher and the sync loop plan: a plan of a copy of
 *                         DIR, one file of the copy changed, a plan again with the same ManifestCache
 *   apply DIR STORE       a plan, then its apply and the plan record it leaves (timed apart), as
 *                         `scopectl apply --yes` runs them
 *   raw-insert DIR STORE  baseline for apply: the same rows inserted into SQLite in one transaction
 *   raw-insert-pg DIR -   the same on PostgreSQL: one INSERT of the rows as column arrays (unnest), in
 *                         one transaction, into a table of the store's shape
 * STORE is a file, or `-` for the store SCOPECTL_STORE names (a postgres:// URL stays out of argv).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import jsYaml from "js-yaml";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { applyPlan } from "../../src/engine/apply.ts";
import { earlierPlans, planFolder } from "../../src/engine/plan-folder.ts";
import { keepRecord } from "../../src/engine/plan-record.ts";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { kindValidators } from "../../src/manifest/validate/validators.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { openStore } from "../../src/store/open.ts";

const [mode, dir = "", storeArg = ""] = process.argv.slice(2);
// The manifest validators, before any clock starts: under tsx they are compiled on first use (a quarter
// of a second), while the installed CLI loads them precompiled (validators.ts). Plans are timed as the
// installed CLI runs them.
kindValidators();
const storeFile = storeArg === "-" ? (process.env.SCOPECTL_STORE ?? "") : storeArg;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function parseBaseline(parser: "js-yaml" | "yaml"): Promise<number> {
  let documents = 0;
  for (const file of await filesUnder(dir)) {
    const text = await readFile(file, "utf8");
    if (file.endsWith(".json")) {
      JSON.parse(text);
      documents++;
    } else if (parser === "js-yaml") {
      documents += jsYaml.loadAll(text).length;
    } else {
      for (const doc of parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        doc.toJS();
        documents++;
      }
    }
  }
  return documents;
}

async function rawInsert(): Promise<number> {
  // Untimed: the rows to insert, exactly as the reconciler would write them.
  const resources = desiredResources(await loadDesiredState(dir), process.env);
  await rm(storeFile, { force: true });
  const started = performance.now();
  const db = new Database(storeFile);
  db.pragma("journal_mode = WAL");
  db.exec(
    "CREATE TABLE resources (kind TEXT, id TEXT, props TEXT, managed_by TEXT, commit_sha TEXT, created_revision INTEGER, updated_revision INTEGER, PRIMARY KEY (kind, id))",
  );
  const insert = db.prepare("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)");
  db.transaction(() => {
    for (const r of resources) insert.run(r.kind, r.id, JSON.stringify(r.props), RECONCILER, null, 1, 1);
  })();
  db.close();
  return performance.now() - started;
}

async function rawInsertPostgres(): Promise<number> {
  const resources = desiredResources(await loadDesiredState(dir), process.env);
  const client = new pg.Client({ connectionString: storeFile });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE raw_resources (kind text COLLATE "C", id text COLLATE "C", props text, managed_by text, commit_sha text, created_revision integer, updated_revision integer, PRIMARY KEY (kind, id))',
    );
    const started = performance.now();
    await client.query("BEGIN");
    await client.query(
      "INSERT INTO raw_resources SELECT kind, id, props, $4, NULL, 1, 1 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(kind, id, props)",
      [
        resources.map((r) => r.kind),
        resources.map((r) => r.id),
        resources.map((r) => JSON.stringify(r.props)),
        RECONCILER,
      ],
    );
    await client.query("COMMIT");
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

/** The users file the re-plan changes: one user's display name, so one row's update. */
const EDITED_FILE = "users-07.yaml";

async function replan(): Promise<Record<string, number>> {
  const copy = await mkdtemp(path.join(os.tmpdir(), "scopectl-replan-"));
  try {
    await cp(dir, copy, { recursive: true });
    const store = await openStore(storeFile);
    try {
      const earlier = earlierPlans();
      let started = performance.now();
      const first = await planFolder(store, copy, earlier);
      const firstMs = performance.now() - started;
      const parsedFirst = earlier.cache.stats.parsed;
      const edited = path.join(copy, EDITED_FILE);
      const text = await readFile(edited, "utf8");
      const changedText = text.replace(/^( {2}name: )(User .*)$/m, "$1$2 (renamed)");
      if (changedText === text) throw new Error(`no display name to change in ${EDITED_FILE}`);
      await writeFile(edited, changedText);
      started = performance.now();
      const again = await planFolder(store, copy, earlier);
      const replanMs = performance.now() - started;
      return {
        firstMs,
        replanMs,
        firstChanges: first.plan.changes.length,
        changes: again.plan.changes.length,
        parsedAgain: earlier.cache.stats.parsed - parsedFirst,
      };
    } finally {
      await store.close();
    }
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

let out: Record<string, number> = {};
if (mode === "parse" || mode === "parse-yaml") {
  const started = performance.now();
  out.documents = await parseBaseline(mode === "parse" ? "js-yaml" : "yaml");
  out.ms = performance.now() - started;
} else if (mode === "replan") {
  out = await replan();
} else if (mode === "raw-insert") {
  out.ms = await rawInsert();
} else if (mode === "raw-insert-pg") {
  out.ms = await rawInsertPostgres();
} else if (mode === "plan" || mode === "plan-recompute") {
  // As `scopectl plan` runs: the store's plan record answers when it holds (`--recompute`: never).
  const store = await openStore(storeFile);
  const started = performance.now();
  const { plan, fromRecord } = await planFolder(store, dir, { record: mode === "plan" });
  out.planMs = performance.now() - started;
  out.changes = plan.changes.length;
  out.fromRecord = fromRecord ? 1 : 0;
  await store.close();
} else if (mode === "apply") {
  // As `scopectl apply --yes` runs it (engine/reconcile.ts): the plan, then the apply and the plan
  // record it leaves, timed apart.
  const store = await openStore(storeFile);
  const started = performance.now();
  const { plan, pending } = await planFolder(store, dir, { record: true });
  out.planMs = performance.now() - started;
  out.changes = plan.changes.length;
  const applyStarted = performance.now();
  await applyPlan(store, plan, { actor: "bench", managedBy: RECONCILER });
  out.applyOnlyMs = performance.now() - applyStarted;
  if (pending)
    out.recorded = (await keepRecord(store, pending, await store.rowsVersion(), plan.leftAlone)) ? 1 : 0;
  out.applyMs = performance.now() - applyStarted;
  await store.close();
} else {
  console.error(
    "usage: measure.ts parse|parse-yaml|plan|plan-recompute|replan|apply|raw-insert|raw-insert-pg DIR [STORE|-]",
  );
  process.exit(2);
}
console.log(JSON.stringify(out));
