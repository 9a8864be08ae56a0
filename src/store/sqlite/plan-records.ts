/**
 * Plan records on SQLite (../plan-records.ts): one JSON row per key in `plan_records`, written like the
 * sync status (runtime state, NORMAL durability). The row-write count is `meta.row_writes`, kept by the
 * triggers of migration 8 on every row written to `resources` or `imports`.
 */
import type Database from "better-sqlite3";
import type { PlanRecordStore, RowsVersion } from "../plan-records.ts";
import type { Row, SqliteDatabase } from "./database.ts";

export class SqlitePlanRecords implements PlanRecordStore {
  readonly #db: SqliteDatabase;
  readonly #version: Database.Statement<[], Row>;
  readonly #read: Database.Statement<[string], string>;
  readonly #save: Database.Statement<[string, string, string]>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#version = db.reader.prepare<[], Row>("SELECT revision, row_writes FROM meta WHERE id = 1").raw();
    this.#read = db.reader.prepare<[string], string>("SELECT record FROM plan_records WHERE key = ?").pluck();
    this.#save = db.writer.prepare(
      "INSERT INTO plan_records (key, record, written_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET record = excluded.record, written_at = excluded.written_at",
    );
  }

  async rowsVersion(): Promise<RowsVersion> {
    this.#db.assertOpen();
    const [revision, writes] = this.#version.get() as [number, number];
    return { revision, writes };
  }

  async planRecord(key: string): Promise<string | undefined> {
    this.#db.assertOpen();
    return this.#read.get(key);
  }

  async savePlanRecord(key: string, record: string): Promise<void> {
    await this.#db.writeRuntimeState(() => {
      this.#save.run(key, record, new Date().toISOString());
    });
  }
}
