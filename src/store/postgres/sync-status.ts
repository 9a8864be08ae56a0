/**
 * The sync loop's status on PostgreSQL: one JSON row per sync target in `sync_status`, written as one
 * upsert (a statement of its own is a transaction of its own), without a revision.
 */
import type { SyncStatus, SyncStatusStore } from "../sync-status.ts";
import type { PostgresDatabase } from "./database.ts";

export class PostgresSyncStatus implements SyncStatusStore {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async syncStatus(id = "default"): Promise<SyncStatus | undefined> {
    const [row] = await this.#db.query("SELECT status FROM sync_status WHERE id = $1", [id]);
    return row === undefined ? undefined : (JSON.parse(row[0] as string) as SyncStatus);
  }

  saveSyncStatus(status: SyncStatus, id = "default"): Promise<void> {
    const text = JSON.stringify(status);
    return this.#db.track(async () => {
      await this.#db.query(
        `INSERT INTO sync_status (id, status, updated_at) VALUES ($1, $2, $3)
          ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
        [id, text, new Date().toISOString()],
      );
    });
  }
}
