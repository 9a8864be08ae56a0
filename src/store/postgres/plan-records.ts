/**
 * Plan records on PostgreSQL (../plan-records.ts): one JSON row per key in `plan_records`, written as
 * one upsert without a revision. The row-write count is `meta.row_writes`, kept by the statement
 * triggers of migration 6 on every statement that writes `resources` or `imports` (TRUNCATE too).
 */
import type { PlanRecordStore, RowsVersion } from "../plan-records.ts";
import type { PostgresDatabase } from "./database.ts";

export class PostgresPlanRecords implements PlanRecordStore {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async rowsVersion(): Promise<RowsVersion> {
    const [row] = await this.#db.query("SELECT revision, row_writes FROM meta WHERE id = 1");
    if (!row) throw new Error("the store has no meta row");
    return { revision: Number(row[0]), writes: Number(row[1]) };
  }

  async planRecord(key: string): Promise<string | undefined> {
    const [row] = await this.#db.query("SELECT record FROM plan_records WHERE key = $1", [key]);
    return row === undefined ? undefined : (row[0] as string);
  }

  savePlanRecord(key: string, record: string): Promise<void> {
    return this.#db.track(async () => {
      await this.#db.query(
        `INSERT INTO plan_records (key, record, written_at) VALUES ($1, $2, $3)
          ON CONFLICT (key) DO UPDATE SET record = excluded.record, written_at = excluded.written_at`,
        [key, record, new Date().toISOString()],
      );
    });
  }
}
