/**
 * One open PostgreSQL store: its connection pool, the queue that orders this process's applies, the
 * writes in flight (close() waits for them), one helper to run a transaction on a pooled client, and
 * the mapping of driver errors to the store's errors. Every concern's writes go through here.
 *
 * Connections. A pool of at most POOL_SIZE clients serves every read and apply, and a second one of
 * RUNTIME_POOL_SIZE the sign-in writes, at relaxed durability (`synchronous_commit = off` for the
 * session: see runtimeQuery); the change feed and
 * the sync leader's advisory lock each hold one dedicated client of their own (`connection`), outside
 * the pool, because LISTEN and a session-level lock belong to one session for as long as they last.
 *
 * Failures. A stopped or unreachable server must never crash the process: the pool's and every
 * client's 'error' events are handled (an idle client dropped by a server shutdown is discarded by the
 * pool), and connection failures come out as StoreUnavailableError, so that the token service answers
 * 503 and the next call, once the server is back, simply connects again: no restart. Nothing here ever
 * prints the URL as given: messages name the store by `description`, and any text from the driver that
 * might carry the password is scrubbed first.
 */
import pg from "pg";
import { ScopectlError } from "../../core/errors.ts";
import { describeStoreLocation } from "../location.ts";
import { StoreLockedError, StoreUnavailableError } from "../store.ts";

/** A row as the statements return it: an array of column values (`rowMode: "array"`). */
export type Row = unknown[];

/** A pool or one of its clients: what the reads run on. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** The LISTEN/NOTIFY channel of every change (payload: a StoreChange, `revision` or `keys`). */
export const CHANGES_CHANNEL = "scopectl_changes";

/** Ten: a token service's sign-in writes are short; more would only queue inside the server. */
export const POOL_SIZE = 10;
/** The sign-in writes' pool: each holds its connection for a round trip or two. */
export const RUNTIME_POOL_SIZE = 8;

/**
 * A statement the server keeps prepared, per connection, under `name` (parsed and planned once, not
 * on every call): for the statements of every token request. A name stands for one text only.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}
export type Statement = string | PreparedStatement;

/**
 * How long opening a connection may take before the call fails as unavailable: long enough for a
 * server under load, short enough that a token request waiting for a stopped database is answered 503
 * within a few seconds rather than hanging.
 */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * How long a pooled statement may go unanswered, beyond its own lock wait (lock_timeout =
 * busyTimeoutMs), before it fails as unavailable and its connection is dropped. A connection whose
 * server vanished without a word (a dead machine, a partition) otherwise waits for TCP's retransmission
 * timeout, about a quarter of an hour: the request with it, and every rate-limit probe that gave up on
 * its statement keeps its pooled client, until no client is left. Statements that may rightly run
 * longer (migrations, a store copy's reads and writes) pass LONG_QUERY.
 */
export const QUERY_TIMEOUT_MS = 10_000;

/** node-postgres's per-query read timeout (not in its type declarations) for statements of no bound. */
export const LONG_QUERY = { query_timeout: 2 ** 31 - 1 } as const;

/** Driver error codes (Node's and PostgreSQL's SQLSTATE) that mean "the server cannot be reached now". */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
]);

/** Messages of node-postgres and pg-pool that mean a lost or never-made connection. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout)/;

/** node-postgres's error for a statement unanswered within its query_timeout. */
const isQueryTimeout = (error: unknown): boolean => (error as Error | null)?.message === "Query read timeout";

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (UNAVAILABLE_CODES.has(code) || code.startsWith("08")) return true;
  if (code !== "" && !code.startsWith("E")) return false; // another SQLSTATE: the server answered
  return typeof e?.message === "string" && UNAVAILABLE_MESSAGES.test(e.message);
}

/** Deadlocks and serialization failures: the whole transaction was rolled back and may simply run again. */
export const isRetryable = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
};

/** A busy timeout as PostgreSQL's lock_timeout, in milliseconds (0 there would mean no limit). */
export const lockTimeoutOf = (busyTimeoutMs: number): number => Math.max(1, Math.floor(busyTimeoutMs));

/**
 * `url` with `settings` added to its `options` startup parameter (`-c name=value`, after any the URL
 * already gives, so ours win). In the URL, not the client config: a URL's own `options` would replace
 * the config's.
 */
export function withSessionSettings(url: string, settings: Record<string, string>): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return url;
  const parsed = new URL(url);
  const ours = entries.map(([name, value]) => `-c ${name}=${value}`).join(" ");
  const theirs = parsed.searchParams.get("options");
  parsed.searchParams.set("options", theirs ? `${theirs} ${ours}` : ours);
  return parsed.toString();
}

/** Runs one statement; rows come back as arrays of column values. */
export async function rows(db: Queryable, statement: Statement, values: unknown[] = []): Promise<Row[]> {
  const named = typeof statement === "string" ? { text: statement } : statement;
  const result = await db.query({ ...named, values, rowMode: "array" });
  return result.rows as Row[];
}

export interface TransactionSettings {
  /**
   * How many times a transaction the server rolled back for a deadlock or a serialization failure runs
   * again: only for an `fn` that may run twice (it decides everything from what it reads inside).
   */
  retries?: number;
  /**
   * On the runtime pool, at `synchronous_commit = off`: COMMIT returns before the WAL reaches the disk.
   * Visible to every session at once, kept through any client's crash; only a crash of the server can
   * lose the last fraction of a second of such commits (see sign-in.ts for where that is acceptable).
   */
  asyncCommit?: boolean;
}

export class PostgresDatabase {
  readonly pool: pg.Pool;
  /** Sign-in writes: every session at `synchronous_commit = off` (runtimeQuery, asyncCommit). */
  readonly runtimePool: pg.Pool;
  /**
   * What a dedicated client connects with (`new pg.Client(db.connection)`): the URL (with its
   * password: never print this object) and the same timeouts as the pool's. Handle the client's
   * 'error' event, as `newClient()` does.
   */
  readonly connection: pg.ClientConfig;
  /** The URL without its password (describeStoreLocation): for every message and log. */
  readonly description: string;
  readonly busyTimeoutMs: number;
  /** The password (from the URL or PGPASSWORD) and its URL-encoded form: scrubbed from driver messages. */
  readonly #secrets: string[];
  /** Applies of this store run one after the other: each waits for the previous one's end. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #closeHooks: (() => Promise<void>)[] = [];
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(url: string, busyTimeoutMs: number, env: NodeJS.ProcessEnv = process.env) {
    this.description = describeStoreLocation({ kind: "postgres", url });
    this.busyTimeoutMs = busyTimeoutMs;
    this.#secrets = secretsOf(url, env);
    this.connection = {
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: "scopectl",
      // A server that vanished without closing (a partition, a dead machine) is noticed by TCP
      // keepalive, probing from 10 s of silence on (the OS default waits two hours).
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // The server ends a session left idle inside a transaction for a minute: a client cut off (or
      // hung) mid-apply would otherwise hold the `meta` lock, and every replica's applies, until the
      // server's own TCP keepalive gives up. No apply of ours pauses that long between statements.
      idle_in_transaction_session_timeout: 60_000,
    };
    // Every pooled session waits for a lock at most busyTimeoutMs (as SQLite's busy timeout), single
    // statements as much as transactions: a statement waiting for a row lock past it is ended by the
    // server (StoreLockedError), never left to commit after its caller gave up on it.
    this.pool = this.#newPool(POOL_SIZE, {});
    this.runtimePool = this.#newPool(RUNTIME_POOL_SIZE, { synchronous_commit: "off" });
  }

  /**
   * A pool whose every session starts with lock_timeout = busyTimeoutMs and `settings`, given as startup
   * parameters: set before the session runs anything, with no statement queued behind the pool's back
   * (pg deprecates a query issued while another runs, and its 9.0 removes it).
   */
  #newPool(max: number, settings: Record<string, string>): pg.Pool {
    // allowExitOnIdle: idle pooled connections never keep a process alive that has nothing else to do.
    const pool = new pg.Pool({
      ...this.connection,
      connectionString: withSessionSettings(String(this.connection.connectionString), settings),
      lock_timeout: lockTimeoutOf(this.busyTimeoutMs),
      query_timeout: this.busyTimeoutMs + QUERY_TIMEOUT_MS,
      max,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
    });
    // An idle client whose server went away emits here; the pool has already discarded it, and the next
    // call connects anew. Without a listener the 'error' event would crash the process.
    pool.on("error", () => {});
    // A checked-out client emits 'error' on itself (the pool's idle listener is detached meanwhile):
    // the query running on it fails with the same error, which is what the caller sees.
    pool.on("connect", (client) => client.on("error", () => {}));
    return pool;
  }

  /** A client outside the pool (LISTEN, session-level locks), its 'error' event handled; not connected. */
  newClient(onError: (error: Error) => void = () => {}): pg.Client {
    const client = new pg.Client(this.connection);
    client.on("error", onError);
    return client;
  }

  /**
   * Every call starts here. New writes are refused from close() on (track()); what was started before
   * (an apply queued, a read) still runs until the pool ends.
   */
  assertOpen(): void {
    if (this.#closed) throw new Error(`the store ${this.description} is closed`);
  }

  /** Registers what close() ends after the writes in flight and before the pool (dedicated clients). */
  onClose(hook: () => Promise<void>): void {
    this.#closeHooks.push(hook);
  }

  /** Runs a write so that close() waits for it; refused once close() was called. */
  track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new Error(`the store ${this.description} is closed`));
    const run = (async () => fn())(); // a synchronous throw of fn becomes this promise's rejection
    this.#inFlight.add(run);
    const forget = () => this.#inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Runs `fn` once every apply of this store queued before it has ended (and close() waits for it). */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    return this.track(() => {
      const run = this.#queue.then(fn);
      this.#queue = run.catch(() => undefined);
      return run;
    });
  }

  /** One statement on the pool (its own transaction when it writes), its errors mapped. */
  query(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    return this.#queryOn(this.pool, statement, values);
  }

  /**
   * One statement on the runtime pool, whose commits do not wait for the WAL to reach the disk
   * (`synchronous_commit = off`): for sign-in state only (see sign-in.ts on why that is acceptable).
   */
  runtimeQuery(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    return this.#queryOn(this.runtimePool, statement, values);
  }

  async #queryOn(pool: pg.Pool, statement: Statement, values: unknown[]): Promise<Row[]> {
    this.assertOpen();
    try {
      return await rows(pool, statement, values);
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /**
   * Runs `fn` in one transaction on one pooled client: BEGIN with `lock_timeout` = busyTimeoutMs (a row
   * lock held longer than that by another writer ends in StoreLockedError, as SQLite's busy timeout
   * does), COMMIT, or ROLLBACK on any error. Not tracked: callers wrap it in track() or enqueue().
   */
  async transaction<T>(
    fn: (client: pg.PoolClient) => Promise<T>,
    options: TransactionSettings = {},
  ): Promise<T> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#transactionOnce(fn, options.asyncCommit === true);
      } catch (error) {
        const cause = error instanceof Error && !(error instanceof ScopectlError) ? error : undefined;
        if (attempt < retries && isRetryable(cause)) continue;
        throw error;
      }
    }
  }

  async #transactionOnce<T>(fn: (client: pg.PoolClient) => Promise<T>, asyncCommit: boolean): Promise<T> {
    this.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await (asyncCommit ? this.runtimePool : this.pool).connect();
    } catch (error) {
      throw this.mapError(error);
    }
    let broken: Error | undefined;
    try {
      // lock_timeout is the session's (see the constructor); the runtime pool's sessions are at
      // synchronous_commit = off already.
      await client.query("BEGIN");
      const result = await fn(client);
      const committed = await client.query("COMMIT");
      // A transaction the server had aborted (an error the caller caught) answers COMMIT with ROLLBACK.
      if (committed.command === "ROLLBACK") throw new Error("the transaction was rolled back by the server");
      return result;
    } catch (error) {
      try {
        // A connection that left a statement unanswered is taken for dead: dropping it rolls back.
        if (isQueryTimeout(error)) throw error;
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        // The connection is gone (the server rolls back what it had); the pool must not reuse it.
        broken = rollbackError as Error;
      }
      throw this.mapError(error);
    } finally {
      client.release(broken);
    }
  }

  /**
   * The store's error for a driver error: unavailable (connection failures), locked (a lock wait past
   * lock_timeout), SQLite's wording for the two constraint failures callers match (`UNIQUE constraint
   * failed: table.column`, `FOREIGN KEY constraint failed`), else the error itself with any secret
   * scrubbed from its message. ScopectlErrors and errors of the caller's own pass through.
   */
  mapError(error: unknown): unknown {
    if (error instanceof ScopectlError || !(error instanceof Error)) return error;
    this.scrub(error);
    if (isUnavailable(error)) return new StoreUnavailableError(this.description, { cause: error });
    const pgError = error as pg.DatabaseError;
    switch (pgError.code) {
      case "55P03": // lock_not_available: lock_timeout passed
        return new StoreLockedError(this.description, { cause: error });
      case "23505": {
        const columns = /^Key \(([^)]*)\)=/.exec(pgError.detail ?? "")?.[1] ?? pgError.constraint ?? "?";
        const names = columns.split(", ").map((column) => `${pgError.table ?? "?"}.${column}`);
        return new Error(`UNIQUE constraint failed: ${names.join(", ")}`, { cause: error });
      }
      case "23503":
        return new Error("FOREIGN KEY constraint failed", { cause: error });
      default:
        return error;
    }
  }

  /** Removes the password from an error's texts, in place (a driver may quote what it was given). */
  scrub(error: Error): void {
    const e = error as Error & { detail?: string; hint?: string };
    for (const secret of this.#secrets) {
      if (e.message.includes(secret)) e.message = e.message.split(secret).join("***");
      if (e.detail?.includes(secret)) e.detail = e.detail.split(secret).join("***");
      if (e.hint?.includes(secret)) e.hint = e.hint.split(secret).join("***");
      if (e.stack?.includes(secret)) e.stack = e.stack.split(secret).join("***");
    }
  }

  /** Waits for the writes in flight, ends the dedicated clients, then the pool; later calls are refused. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      this.#closed = true;
      for (const hook of this.#closeHooks.splice(0)) await hook().catch(() => undefined);
      await Promise.all([this.pool.end(), this.runtimePool.end()]).catch(() => undefined);
    })();
    return this.#closing;
  }
}

/** The password of a URL (or PGPASSWORD), as given and URL-encoded: what must never be shown. */
function secretsOf(url: string, env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>();
  const add = (value: string | undefined) => {
    if (!value || value.length < 3) return; // too short to scrub without mangling ordinary text
    found.add(value);
    found.add(encodeURIComponent(value));
  };
  try {
    const parsed = new URL(url);
    add(parsed.password);
    add(decodeURIComponent(parsed.password));
    add(parsed.searchParams.get("password") ?? undefined);
  } catch {
    // location.ts parsed it already; a URL it accepted is a URL.
  }
  add(env.PGPASSWORD);
  return [...found];
}
