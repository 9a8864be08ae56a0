/**
 * Sync leadership on PostgreSQL (issue 14): a session-level advisory lock per sync target, held on a
 * dedicated client (`db.connection`), and a `sync_leaders` row naming the holder. Placeholder until
 * implemented: like src/store/sqlite/sync-leader.ts, no one leads yet.
 */
import type { SyncLeaderInfo, SyncLeaderStore, SyncLeadership } from "../sync-leader.ts";
import type { PostgresDatabase } from "./database.ts";

export class PostgresSyncLeader implements SyncLeaderStore {
  constructor(readonly db: PostgresDatabase) {}

  async tryLeadSync(_holder: string, _id = "default"): Promise<SyncLeadership | undefined> {
    throw new Error("sync leadership on PostgreSQL is not implemented yet");
  }

  async syncLeader(_id = "default"): Promise<SyncLeaderInfo | undefined> {
    return undefined;
  }
}
