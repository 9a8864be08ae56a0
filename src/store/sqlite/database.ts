/**
 * One open SQLite store file: its two connections, the queue that orders this process's writes, and
 * the SQLite write lock that orders them across processes. Every concern's writes go through here, so
 * that a transaction, a key rotation and a sign-in write never interleave on the writer connection.
 *
 * Connections. A store holds two connections to its file: a writer, on which every write runs (its reads
 * see its own writes), and a reader for the Store's own reads, which in WAL mode see the last committed
 * state and never wait for a writer. A write started while another one of the same store is running
 * waits for it (in order); writes of other processes are kept apart by SQLite's write lock, which
 * `BEGIN IMMEDIATE` takes before anything is read or checked.
 *
 * Lock waits. Waiting for another process's write lock polls asynchronously (up to `busyTimeoutMs`), so
 * a process that also serves tokens keeps answering while its reconciler waits.
 *
 * Checkpoints. SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages, and
 * copies pages into the file and syncs it there: a sign-in write (a few pages) pays for it about every
 * two hundred commits, and under a refresh load that was a third of each rotation's time. So the
 * connections turn it off (open.ts), and this class checkpoints (PASSIVE: never waits for readers)
 * every CHECKPOINT_INTERVAL_MS while the store is open, in the write queue so that no transaction is
 * open on the writer meanwhile, and once more at close. Other processes on the same file do the same;
 * whichever runs first copies what all of them wrote.
 */
import type Database from "better-sqlite3";
import { StoreLockedError } from "../store.ts";

/** A row as the statements return it: an array of column values (`raw`). */
export type Row = unknown[];

export const busyTimeoutPragma = (ms: number): string => `busy_timeout = ${Math.max(0, Math.floor(ms))}`;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How often an open store copies its WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * BEGIN IMMEDIATE and COMMIT, prepared once per writer: `exec` compiles its SQL on every call. (Not
 * pragmas: SQLite applies a pragma when the statement is compiled, so a prepared one does not act
 * when run again.)
 */
function transactionStatements(writer: Database.Database) {
  const beginImmediate = writer.prepare("BEGIN IMMEDIATE");
  const commit = writer.prepare("COMMIT");
  return { beginImmediate: () => void beginImmediate.run(), commit: () => void commit.run() };
}

export type Durability = "NORMAL" | "FULL";

export class SqliteDatabase {
  /** Writes of this store run one after the other: each waits for the previous one's end. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;
  #checkpoints: NodeJS.Timeout | undefined;
  readonly #statements: ReturnType<typeof transactionStatements>;
  /** The writer's `synchronous` now: set by begin() only when a write asks for another. */
  #synchronous: Durability = "FULL";

  constructor(
    readonly file: string,
    readonly writer: Database.Database,
    readonly reader: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {
    this.#statements = transactionStatements(writer);
    // The writer never waits inside SQLite for a lock: begin() polls for the write lock itself (so the
    // event loop keeps running), and once a write holds it nothing else on the writer waits (WAL mode;
    // checkpoints are PASSIVE). Set once here, not around every BEGIN: pragmas compile on every call, and
    // under a refresh load the toggles were a sixth of the main thread's time.
    writer.pragma(busyTimeoutPragma(0));
    this.#checkpoints = setInterval(() => {
      this.enqueue(async () => this.#checkpoint()).catch(() => undefined);
    }, CHECKPOINT_INTERVAL_MS).unref();
  }

  /** Copies what the WAL holds into the file, as far as readers allow; a busy file is tried next time. */
  #checkpoint(): void {
    if (this.#closed || this.writer.inTransaction) return;
    try {
      this.writer.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // SQLITE_BUSY (another process checkpoints) or a closed file: the next one catches up.
    }
  }

  /** Every read, and every queued write when its turn comes, starts here. */
  assertOpen(): void {
    if (this.#closed) throw new Error(`the store ${this.file} is closed`);
  }

  /** Runs `fn` once every write queued before it has ended; refused once close() was called. */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new Error(`the store ${this.file} is closed`));
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the write lock, polling without blocking the event loop until busyTimeoutMs has passed, for a
   * write committed at `durability` (applies, keys and restores: FULL, the connection's default;
   * runtime state: NORMAL, see writeRuntimeState). Set outside the transaction: SQLite reads it at
   * COMMIT, per connection.
   */
  async begin(durability: Durability = "FULL"): Promise<void> {
    if (this.#synchronous !== durability) {
      this.writer.pragma(`synchronous = ${durability}`);
      this.#synchronous = durability;
    }
    const deadline = Date.now() + this.busyTimeoutMs;
    let delay = 1;
    for (;;) {
      try {
        this.#statements.beginImmediate();
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        const left = deadline - Date.now();
        if (left <= 0) throw new StoreLockedError(this.file, { cause: error });
        await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 50);
      }
    }
  }

  /** Commits the transaction begin() opened. */
  commit(): void {
    this.#statements.commit();
  }

  rollback(): void {
    if (!this.writer.inTransaction) return;
    try {
      this.writer.exec("ROLLBACK");
    } catch {
      // SQLite may already have rolled back (e.g. after an I/O error); the first error is the news.
    }
  }

  /**
   * Runs `fn` (synchronous: nothing else may run on the writer meanwhile) in one write transaction, queued
   * behind this store's other writes and under SQLite's write lock, without a revision or audit rows:
   * for runtime state (sign-in state, sync status), which is not a manifest resource.
   *
   * Durability: `NORMAL` by default (every other write asks for `FULL`). Sign-in writes happen per sign-in and
   * per token request, so an fsync each would put the disk's flush latency on every token request and
   * serialize them behind it. In WAL mode NORMAL still keeps every commit through a crash of the process;
   * only a power cut or kernel crash can roll back the last few, leaving the file consistent. For sign-in
   * state that costs little and tells no one anything false for good: a lost grant or code means signing
   * in again, a lost rotation means the client's newest refresh token is unknown (sign in again) or its
   * previous one usable once more. An apply is different (see `open.ts`): it reports generated secrets
   * and a revision to a person once, so it pays for FULL. `setPassword` is such a report too ("password
   * set"), and rare, so it passes `FULL`.
   */
  writeRuntimeState<T>(fn: () => T, synchronous: Durability = "NORMAL"): Promise<T> {
    return this.enqueue(async () => {
      this.assertOpen();
      await this.begin(synchronous);
      try {
        const result = fn();
        this.commit();
        return result;
      } catch (error) {
        this.rollback();
        throw error;
      }
    });
  }

  /** Waits for the writes already started, then closes both connections. */
  async close(): Promise<void> {
    if (this.#closing) return this.#closing;
    clearInterval(this.#checkpoints);
    this.#closing = this.#queue.then(() => {
      this.#checkpoint();
      this.#closed = true;
      this.reader.close();
      this.writer.close();
    });
    return this.#closing;
  }
}
