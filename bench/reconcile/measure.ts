/**
 * One measurement of bench/reconcile, in its own process (spawned by run.ts); prints JSON on stdout.
 *   parse DIR             baseline for plans: read every YAML (and spec) file of the tenant and parse it
 *   plan DIR STORE        a full plan: load and check the manifests, read the store, diff
 *   apply DIR STORE       a plan, then its apply (timed separately)
 *   raw-insert DIR STORE  baseline for apply: the same rows inserted into SQLite in one transaction
 *   raw-insert-pg DIR -   the same on PostgreSQL: one INSERT of the rows as column arrays (unnest), in
 *                         one transaction, into a table of the store's shape
 * STORE is a file, or `-` for the store SCOPECTL_STORE names (a postgres:// URL stays out of argv).
 */
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { openStore } from "../../src/store/open.ts";

const [mode, dir = "", storeArg = ""] = process.argv.slice(2);
const storeFile = storeArg === "-" ? (process.env.SCOPECTL_STORE ?? "") : storeArg;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function parseBaseline(): Promise<number> {
  let documents = 0;
  for (const file of await filesUnder(dir)) {
    const text = await readFile(file, "utf8");
    if (file.endsWith(".json")) {
      JSON.parse(text);
      documents++;
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

const out: Record<string, number> = {};
if (mode === "parse") {
  const started = performance.now();
  out.documents = await parseBaseline();
  out.ms = performance.now() - started;
} else if (mode === "raw-insert") {
  out.ms = await rawInsert();
} else if (mode === "raw-insert-pg") {
  out.ms = await rawInsertPostgres();
} else if (mode === "plan" || mode === "apply") {
  const store = await openStore(storeFile);
  const started = performance.now();
  const { plan } = await planFolder(store, dir);
  out.planMs = performance.now() - started;
  out.changes = plan.changes.length;
  if (mode === "apply") {
    const applyStarted = performance.now();
    await applyPlan(store, plan, { actor: "bench", managedBy: RECONCILER });
    out.applyMs = performance.now() - applyStarted;
  }
  await store.close();
} else {
  console.error("usage: measure.ts parse|plan|apply|raw-insert|raw-insert-pg DIR [STORE|-]");
  process.exit(2);
}
console.log(JSON.stringify(out));
