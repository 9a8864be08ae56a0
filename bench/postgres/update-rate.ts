/**
 * The store half of bench/postgres's refresh baseline: how many single-row UPDATEs, each its own
 * committed transaction, one store does per second, one at a time, in one process: the least a
 * refresh must write (its token spent). SQLite: a WAL file at synchronous = NORMAL, as sign-in writes
 * run (src/store/sqlite/database.ts). PostgreSQL: one connection, autocommit, at the server's
 * durability defaults (the bench's cluster keeps them). Prints `{"rate": N}`.
 *   update-rate.ts sqlite|postgres SECONDS     (postgres: the database URL in SCOPECTL_STORE)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

const [kind = "sqlite", seconds = "5"] = process.argv.slice(2);
const ROWS = 16;

async function timed(update: (i: number) => Promise<void> | void): Promise<number> {
  for (let i = 0; i < 200; i++) await update(i); // warm up
  let count = 0;
  const started = performance.now();
  const until = started + Number(seconds) * 1000;
  while (performance.now() < until) await update(count++);
  return count / ((performance.now() - started) / 1000);
}

let rate: number;
if (kind === "sqlite") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-bench-update-"));
  try {
    const db = new Database(path.join(dir, "update.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, used_at TEXT)");
    for (let i = 0; i < ROWS; i++) db.prepare("INSERT INTO t (id) VALUES (?)").run(i);
    const update = db.prepare("UPDATE t SET used_at = ? WHERE id = ?");
    rate = await timed((i) => {
      update.run(new Date().toISOString(), i % ROWS);
    });
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  const client = new pg.Client({ connectionString: process.env.SCOPECTL_STORE });
  await client.connect();
  try {
    await client.query("CREATE TABLE IF NOT EXISTS bench_update (id integer PRIMARY KEY, used_at text)");
    await client.query("INSERT INTO bench_update (id) SELECT generate_series(0, $1) ON CONFLICT DO NOTHING", [
      ROWS - 1,
    ]);
    rate = await timed(async (i) => {
      await client.query("UPDATE bench_update SET used_at = $1 WHERE id = $2", [
        new Date().toISOString(),
        i % ROWS,
      ]);
    });
    await client.query("DROP TABLE bench_update");
  } finally {
    await client.end();
  }
}
console.log(JSON.stringify({ rate }));
