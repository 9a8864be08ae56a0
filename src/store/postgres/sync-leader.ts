/**
 * Sync leadership on PostgreSQL (issue 14): a session-level advisory lock per sync target, held on a
 * dedicated client (outside the pool: a session lock belongs to one session for as long as it lasts),
 * and a `sync_leaders` row naming the holder, for status.
 *
 * The lock decides; the row only names. A session-level lock ends with its session, so a leader that is
 * SIGKILLed frees it the moment the server sees the socket close, and a loop standing by takes over at
 * its next try (every second, gitops/sync-leadership.ts). A machine that vanishes without closing its
 * sockets is noticed by the server's TCP keepalive, which the leader's session shortens (about 8 s).
 * Because a dead leader leaves its row behind, `syncLeader()` names the row's holder only while a
 * session holds the lock; between a successor's lock and its upsert (one round trip) it still names the
 * predecessor.
 *
 * The key. The two-integer form of the advisory lock functions, (SYNC_LOCK_CLASS, a hash of the target
 * id), so that it never meets the migrations' one-bigint lock (PostgreSQL keeps the two forms apart) and
 * both halves are non-negative, where pg_locks shows them as the same numbers (oid columns).
 *
 * Losing it. `lost` aborts when the client errors or ends, or when a heartbeat (every HEARTBEAT_MS) or
 * `verify()` finds the lock no longer held by this session or gets no answer within QUERY_TIMEOUT_MS;
 * the client is then ended, so that a session the server still has cannot keep the lock. No event of
 * the client ever reaches the process as an uncaught 'error'.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { SyncLeaderInfo, SyncLeaderStore, SyncLeadership } from "../sync-leader.ts";
import { type PostgresDatabase, rows } from "./database.ts";

/** The first key of every sync lock: the bytes of "sync" (0x73796e63). */
export const SYNC_LOCK_CLASS = 0x73796e63;

/** The second key: the first 31 bits of the SHA-256 of the target id. */
export function syncLockKey(id: string): number {
  return createHash("sha256").update(id).digest().readUInt32BE(0) & 0x7fffffff;
}

/** How often the leader's session is asked whether it still holds the lock. */
export const HEARTBEAT_MS = 2000;
/** How long the leader's session may take to answer before leadership counts as lost. */
export const QUERY_TIMEOUT_MS = 5000;

/**
 * The leader's session asks the server to probe its socket after 5 s of silence, every second, three
 * times: a leader whose machine vanished frees the lock within about 8 s instead of the OS default
 * (hours). tcp_user_timeout does the same for data the server sent and the peer never acknowledged.
 */
const KEEPALIVE_SETTINGS = [
  "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3",
  // Only where the server's OS has TCP_USER_TIMEOUT (Linux); elsewhere it refuses any value but 0.
  "SET tcp_user_timeout = 8000",
];

const HOLDS_LOCK = `SELECT EXISTS (
  SELECT 1 FROM pg_locks
  WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
    AND classid = $1::int8::oid AND objid = $2::int8::oid AND objsubid = 2
)`;

/** Does any session of this database hold the lock? */
const LOCK_GRANTED = `SELECT EXISTS (
  SELECT 1 FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid = $1::int8::oid AND objid = $2::int8::oid
)`;

export class PostgresSyncLeader implements SyncLeaderStore {
  readonly #held = new Set<PostgresLeadership>();

  constructor(readonly db: PostgresDatabase) {
    // A closed store ends its leaders' sessions (which frees their locks) after its writes in flight.
    db.onClose(async () => {
      await Promise.allSettled([...this.#held].map((leadership) => leadership.release()));
    });
  }

  async tryLeadSync(holder: string, id = "default"): Promise<SyncLeadership | undefined> {
    this.db.assertOpen();
    const key = syncLockKey(id);
    // Loops standing by ask every second: a lock plainly held is answered on the pool, without
    // opening (and authenticating) a connection of its own each time.
    const [held] = await this.db.query(LOCK_GRANTED, [SYNC_LOCK_CLASS, key]);
    if (held?.[0] === true) return undefined;
    let leadership: PostgresLeadership | undefined;
    const client: pg.Client = this.db.newClient((error) => leadership?.lose(error));
    // A client that never led must not end unseen either: 'error' is handled by newClient.
    client.on("end", () => leadership?.lose(new Error("the leader's connection to the store ended")));
    try {
      await client.connect();
      const [locked] = await rows(client, "SELECT pg_try_advisory_lock($1, $2)", [SYNC_LOCK_CLASS, key]);
      if (locked?.[0] !== true) {
        await client.end().catch(() => undefined);
        return undefined;
      }
      for (const setting of KEEPALIVE_SETTINGS) {
        // A faster notice of a vanished leader, not a condition of leading: a refusal is ignored.
        await client.query(setting).catch(() => undefined);
      }
      const since = new Date().toISOString();
      await client.query(
        `INSERT INTO sync_leaders (id, holder, since, epoch) VALUES ($1, $2, $3, 1)
          ON CONFLICT (id) DO UPDATE
            SET holder = excluded.holder, since = excluded.since, epoch = sync_leaders.epoch + 1`,
        [id, holder, since],
      );
    } catch (error) {
      // Ending the session frees a lock it may have taken.
      await client.end().catch(() => undefined);
      throw this.db.mapError(error);
    }
    leadership = new PostgresLeadership(client, holder, id, key, (ended) => this.#held.delete(ended));
    this.#held.add(leadership);
    return leadership;
  }

  async syncLeader(id = "default"): Promise<SyncLeaderInfo | undefined> {
    // The row names a live leader only while some session of this database holds the lock: a killed
    // leader's row stays behind, and must not be reported.
    const [row] = await this.db.query(
      `SELECT holder, since FROM sync_leaders WHERE id = $3 AND (${LOCK_GRANTED})`,
      [SYNC_LOCK_CLASS, syncLockKey(id), id],
    );
    return row === undefined ? undefined : { holder: String(row[0]), since: String(row[1]) };
  }
}

class PostgresLeadership implements SyncLeadership {
  readonly #client: pg.Client;
  readonly #id: string;
  readonly #key: number;
  readonly #lost = new AbortController();
  readonly #ended: (leadership: PostgresLeadership) => void;
  #heartbeat: NodeJS.Timeout | undefined;
  #released: Promise<void> | undefined;
  /** One query at a time on the session (pg queues them anyway; this keeps heartbeats from piling up). */
  #asking: Promise<boolean> | undefined;

  constructor(
    client: pg.Client,
    readonly holder: string,
    id: string,
    key: number,
    ended: (leadership: PostgresLeadership) => void,
  ) {
    this.#client = client;
    this.#id = id;
    this.#key = key;
    this.#ended = ended;
    this.#heartbeat = setInterval(() => void this.verify(), HEARTBEAT_MS);
    // Leadership must not keep a process alive that has nothing else to do.
    this.#heartbeat.unref();
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** Leadership is gone without release(): abort `lost` and end the session (freeing any lock left). */
  lose(reason: unknown): void {
    if (this.#released || this.#lost.signal.aborted) return;
    this.#stopHeartbeat();
    this.#lost.abort(reason instanceof Error ? reason : new Error(String(reason)));
    this.#ended(this);
    this.#client.end().catch(() => undefined);
  }

  verify(): Promise<boolean> {
    if (this.#released || this.#lost.signal.aborted) return Promise.resolve(false);
    this.#asking ??= this.#ask().finally(() => {
      this.#asking = undefined;
    });
    return this.#asking;
  }

  async #ask(): Promise<boolean> {
    let holds: boolean;
    try {
      const result = await this.#client.query({
        text: HOLDS_LOCK,
        values: [SYNC_LOCK_CLASS, this.#key],
        rowMode: "array",
        query_timeout: QUERY_TIMEOUT_MS,
      } as pg.QueryConfig & { query_timeout: number });
      holds = (result.rows[0] as unknown[] | undefined)?.[0] === true;
    } catch (error) {
      // No answer in time, or a broken session: it may still hold the lock on the server, so end it.
      if (!this.#released) this.lose(error);
      return false;
    }
    if (!holds && !this.#released) this.lose(new Error("the leader's session no longer holds the lock"));
    return holds && !this.#released;
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#stopHeartbeat();
      this.#ended(this);
      if (this.#lost.signal.aborted) return; // lose() has ended the session already
      await this.#asking?.catch(() => undefined);
      try {
        // The row first, while the lock is still held: after the unlock it may be a successor's.
        await this.#client.query("DELETE FROM sync_leaders WHERE id = $1", [this.#id]);
        await this.#client.query("SELECT pg_advisory_unlock($1, $2)", [SYNC_LOCK_CLASS, this.#key]);
      } catch {
        // A broken session: ending it (below) is what frees the lock then.
      }
      await this.#client.end().catch(() => undefined);
    })();
    return this.#released;
  }
}
