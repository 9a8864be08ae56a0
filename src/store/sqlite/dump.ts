/**
 * The whole SQLite store as a StoreDump, and a dump written into an empty SQLite store (`scopectl store
 * copy`; the row mapping, shared with PostgreSQL, is ../dump-rows.ts). The read is one deferred
 * transaction on the reader connection (one WAL snapshot, so an apply landing meanwhile is either all
 * in or all out); the restore is one write transaction under the write lock, at FULL durability like an
 * apply.
 */
import type Database from "better-sqlite3";
import { type DumpStore, type StoreDump, StoreNotEmptyError } from "../dump.ts";
import {
  DUMP_COLUMNS,
  DUMPED_TABLES,
  type DumpTables,
  dumpOfRows,
  pruneAfterOf,
  rowsOfDump,
} from "../dump-rows.ts";
import type { Row } from "../records.ts";
import type { SqliteDatabase } from "./database.ts";

/** Each table in the dump's order: SQLite compares TEXT bytewise, as PostgreSQL's COLLATE "C" does. */
const ORDER: Record<(typeof DUMPED_TABLES)[number], string> = {
  resources: "kind, id",
  revisions: "revision",
  audit: "seq",
  imports: "id",
  signing_keys: "created_at, rowid",
  user_passwords: "user_id",
  grants: "created_at, id",
  authorization_codes: "code_sha256",
  refresh_tokens: "created_at, token_sha256",
  sync_status: "id",
};

function readTables(db: Database.Database): DumpTables {
  const select = (table: (typeof DUMPED_TABLES)[number]) =>
    db
      .prepare(`SELECT ${DUMP_COLUMNS[table].join(", ")} FROM ${table} ORDER BY ${ORDER[table]}`)
      .raw()
      .all() as Row[];
  const meta = db.prepare("SELECT revision, keys_version FROM meta WHERE id = 1").get() as DumpTables["meta"];
  const tables = { meta } as DumpTables;
  for (const table of DUMPED_TABLES) tables[table] = select(table);
  return tables;
}

function isEmpty(db: Database.Database): { empty: boolean; revision: number } {
  const revision = db.prepare("SELECT revision FROM meta WHERE id = 1").pluck().get() as number;
  const rows = DUMPED_TABLES.some(
    (table) => db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined,
  );
  return { empty: revision === 0 && !rows, revision };
}

function write(db: Database.Database, dump: StoreDump): void {
  db.prepare("UPDATE meta SET revision = ?, keys_version = ? WHERE id = 1").run(
    dump.revision,
    dump.keysVersion,
  );
  const rows = rowsOfDump(dump);
  const pruneAfter = pruneAfterOf(dump);
  for (const table of DUMPED_TABLES) {
    const columns: string[] = [...DUMP_COLUMNS[table]];
    if (table === "grants") columns.push("prune_after");
    const values = columns.map((column) => (column === "prune_after" ? "julianday(?)" : "?")).join(", ");
    const insert = db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${values})`);
    for (const row of rows[table]) {
      const args = row.map((value) => (typeof value === "boolean" ? (value ? 1 : 0) : value));
      if (table === "grants") args.push(new Date(pruneAfter.get(String(row[0])) ?? 0).toISOString());
      insert.run(...args);
    }
  }
}

export class SqliteDump implements DumpStore {
  constructor(private readonly db: SqliteDatabase) {}

  async dump(): Promise<StoreDump> {
    this.db.assertOpen();
    // A deferred transaction on the reader: every SELECT below sees one snapshot of the file.
    return dumpOfRows(this.db.reader.transaction(() => readTables(this.db.reader))());
  }

  restore(dump: StoreDump): Promise<void> {
    return this.db.enqueue(async () => {
      const db = this.db;
      db.assertOpen();
      await db.begin();
      try {
        const { empty, revision } = isEmpty(db.writer);
        if (!empty) throw new StoreNotEmptyError(db.file, revision);
        write(db.writer, dump);
        db.commit();
      } catch (error) {
        db.rollback();
        throw error;
      }
    });
  }
}
