/**
 * The sync loop's status on SQLite: one JSON row per sync target in `sync_status`. Like sign-in state it
 * lives beside the resources without a revision, and is written at NORMAL durability (the loop rewrites
 * it at its next check).
 */
import type Database from "better-sqlite3";
import type { SyncStatus, SyncStatusStore } from "../sync-status.ts";
import type { SqliteDatabase } from "./database.ts";

export class SqliteSyncStatus implements SyncStatusStore {
  readonly #db: SqliteDatabase;
  readonly #read: Database.Statement<[string], string>;
  readonly #save: Database.Statement<[string, string, string]>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#read = db.reader.prepare<[string], string>("SELECT status FROM sync_status WHERE id = ?").pluck();
    this.#save = db.writer.prepare(
      "INSERT INTO sync_status (id, status, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
    );
  }

  async syncStatus(id = "default"): Promise<SyncStatus | undefined> {
    this.#db.assertOpen();
    const text = this.#read.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as SyncStatus);
  }

  async saveSyncStatus(status: SyncStatus, id = "default"): Promise<void> {
    await this.#db.writeRuntimeState(() => {
      this.#save.run(id, JSON.stringify(status), new Date().toISOString());
    });
  }
}
