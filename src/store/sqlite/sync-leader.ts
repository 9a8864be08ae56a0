/**
 * Sync leadership on SQLite (issue 14): a lease row per sync target. Placeholder until implemented:
 * every store answers as if it were led by this process alone.
 */
import type { SyncLeaderInfo, SyncLeaderStore, SyncLeadership } from "../sync-leader.ts";
import type { SqliteDatabase } from "./database.ts";

export class SqliteSyncLeader implements SyncLeaderStore {
  constructor(readonly db: SqliteDatabase) {}

  async tryLeadSync(_holder: string, _id = "default"): Promise<SyncLeadership | undefined> {
    throw new Error("sync leadership on SQLite is not implemented yet");
  }

  async syncLeader(_id = "default"): Promise<SyncLeaderInfo | undefined> {
    return undefined;
  }
}
