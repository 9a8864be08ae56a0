/**
 * Sync leadership: at most one git sync loop applies commits to a store at a time, however many
 * replicas run `serve --sync-repo` and however many `scopectl sync` run beside them. On PostgreSQL a
 * session-level advisory lock decides (it ends with the holder's connection, so a killed leader frees
 * it at once); on SQLite a lease row. Whoever holds it records itself, so that status names the leader.
 * Backend-neutral: every Store implementation keeps this shape.
 */

export interface SyncLeaderInfo {
  /** Who leads, as it named itself (host name and process id, e.g. `web-2:4711`). */
  holder: string;
  /** When it became the leader (ISO 8601). */
  since: string;
}

/** Held leadership of one sync target. */
export interface SyncLeadership {
  readonly holder: string;
  /**
   * Aborted when leadership is lost without release() (the lock's connection dropped, the lease could
   * not be renewed): the loop must stop applying at once and try to lead again.
   */
  readonly lost: AbortSignal;
  /**
   * Asks the store whether this leadership still holds (the lease row is still this one's; the lock's
   * session still answers and holds the lock), aborting `lost` when it does not. `lost` is only as
   * fresh as the last renewal or connection event, so the loop asks this right before each apply's
   * transaction: a leader that stalled past its lease applies nothing once another has taken over.
   */
  verify(): Promise<boolean>;
  /** Gives leadership up (idempotent). */
  release(): Promise<void>;
}

export interface SyncLeaderStore {
  /**
   * Becomes the leader of sync target `id` (`default` for the one loop of a store), or answers
   * undefined at once while another holds it. Never waits for the lock.
   */
  tryLeadSync(holder: string, id?: string): Promise<SyncLeadership | undefined>;
  /** The current leader of `id`, undefined when none holds it. */
  syncLeader(id?: string): Promise<SyncLeaderInfo | undefined>;
}
