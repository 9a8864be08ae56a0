/**
 * The failed-authentication limiters' counts on PostgreSQL: rows of `rate_limits` (migrations.ts) that
 * every replica updates, so that a limit holds for the service as a whole, not per replica.
 *
 * rate-limiter-flexible's RateLimiterPostgres keeps them, on the store's pool. Each consume, penalty and
 * reward is one statement, `INSERT ... ON CONFLICT (key) DO UPDATE SET points = ... RETURNING points,
 * expire`, run under the row's lock: two replicas consuming one key at once each count the other's
 * point, so parallel requests at several replicas never run more checks than the limit. get is one
 * SELECT, set and block one UPSERT that sets the expiry, delete one DELETE. Expiries are epoch
 * milliseconds from each replica's clock, so replicas need synchronised clocks (NTP); a skew of a few
 * seconds only shifts a window.
 *
 * While the table cannot be reached, each limiter counts in an in-memory limiter of the same points and
 * window (rate-limiter-flexible's insurance): the limits then hold per replica, and no request fails,
 * or waits long, for a limiter. TableGuard bounds the wait: a statement that fails or takes longer
 * than STATEMENT_TIMEOUT_MS sends every count to memory for RETRY_AFTER_MS, then one statement tries
 * the table again, and counting there resumes by itself once it answers (what memory counted meanwhile
 * is not carried over). A consume or penalty that lands after its timeout is taken back, since memory
 * counted it: a slow database never strands points that would refuse a client with the right secret.
 *
 * Keys: PostgreSQL text cannot hold U+0000, which the limiters use as a separator (and which a posted
 * email may hold), so keys are escaped reversibly before they reach the table.
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres } from "rate-limiter-flexible";
import type { RateLimiterSpec, RateLimitStore } from "../rate-limits.ts";
import type { PostgresDatabase } from "./database.ts";

/** How long a statement on the table may take before its count goes to memory instead. */
export const STATEMENT_TIMEOUT_MS = 1000;
/** How long counts go to memory after a statement failed or timed out, before the table is tried again. */
export const RETRY_AFTER_MS = 1000;
/** How often rows that expired over an hour ago are deleted (rate-limiter-flexible's own schedule). */
const CLEAR_EVERY_MS = 5 * 60_000;
const CLEAR_AFTER_MS = 60 * 60_000;
const TABLE = "rate_limits";

const escapeKey = (key: string): string => key.replaceAll("%", "%25").replaceAll("\u0000", "%00");
const unescapeKey = (key: string): string =>
  key.replace(/%(25|00)/g, (_escape, hex: string) => (hex === "25" ? "%" : "\u0000"));

/**
 * Whether the table is worth a statement now: closed (every statement runs), open after a failure (none
 * does, for RETRY_AFTER_MS), then half open (one statement probes; the others go to memory until it
 * answers). One per store: its limiters share one pool, and so one database's health.
 */
class TableGuard {
  #skipUntil = 0;
  #probing = false;

  constructor(readonly statementTimeoutMs: number) {}

  run<T>(statement: () => Promise<T>, onLate?: () => void): Promise<T> {
    const now = Date.now();
    if (now < this.#skipUntil || (this.#skipUntil > 0 && this.#probing)) {
      return Promise.reject(new Error(`the ${TABLE} table is skipped for a moment after a failure`));
    }
    const probe = this.#skipUntil > 0;
    if (probe) this.#probing = true;
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const fail = (error: unknown) => {
        answered = true;
        this.#probing = false;
        this.#skipUntil = Date.now() + RETRY_AFTER_MS;
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error(`a ${TABLE} statement took longer than ${this.statementTimeoutMs} ms`)),
        this.statementTimeoutMs,
      );
      timer.unref();
      statement().then(
        (value) => {
          if (answered) {
            onLate?.();
            return;
          }
          answered = true;
          clearTimeout(timer);
          if (probe) {
            this.#probing = false;
            this.#skipUntil = 0;
          }
          resolve(value);
        },
        (error: unknown) => {
          if (answered) return;
          clearTimeout(timer);
          fail(error);
        },
      );
    });
  }
}

/** RateLimiterPostgres's statements: its store hooks, which its type declarations leave out. */
interface TableStatements {
  _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire: boolean,
    options: object,
  ): Promise<unknown>;
  _get(rlKey: string, options: object): Promise<unknown>;
  _delete(rlKey: string, options: object): Promise<boolean>;
}
const statements = RateLimiterPostgres.prototype as unknown as TableStatements;

/** RateLimiterPostgres with escaped keys, and every statement through the store's TableGuard. */
class GuardedPostgresLimiter extends RateLimiterPostgres {
  readonly #guard: TableGuard;

  constructor(options: ConstructorParameters<typeof RateLimiterPostgres>[0], guard: TableGuard) {
    super(options);
    this.#guard = guard;
  }

  override getKey(key: string | number): string {
    return super.getKey(escapeKey(String(key)));
  }

  /** The key as given: the insurance counts under it, as consume's fallback does. */
  override parseKey(rlKey: string): string {
    return unescapeKey(super.parseKey(rlKey));
  }

  _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
    options = {},
  ): Promise<unknown> {
    return this.#guard.run(
      () => statements._upsert.call(this, rlKey, points, msDuration, forceExpire, options),
      () => {
        // Memory counted these points when the statement timed out: the table must not count them too.
        if (!forceExpire && points > 0) {
          statements._upsert.call(this, rlKey, -points, msDuration, false, options).catch(() => undefined);
        }
      },
    );
  }

  _get(rlKey: string, options = {}): Promise<unknown> {
    return this.#guard.run(() => statements._get.call(this, rlKey, options));
  }

  _delete(rlKey: string, options = {}): Promise<boolean> {
    return this.#guard.run(() => statements._delete.call(this, rlKey, options));
  }
}

export class PostgresRateLimits implements RateLimitStore {
  readonly #guard: TableGuard;
  #clearing: NodeJS.Timeout | undefined;

  /**
   * statementTimeoutMs: how long a statement may take (its wait for a pooled connection included)
   * before its count goes to memory; tests of the table's own atomicity raise it, so that a slow
   * machine's fallback to memory is not mistaken for a lost count.
   */
  constructor(
    readonly db: PostgresDatabase,
    statementTimeoutMs = STATEMENT_TIMEOUT_MS,
  ) {
    this.#guard = new TableGuard(statementTimeoutMs);
  }

  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    this.#startClearing();
    const { points, duration, keyPrefix } = spec;
    return new GuardedPostgresLimiter(
      {
        storeClient: this.db.pool,
        storeType: "pool",
        tableName: TABLE,
        // The migrations create the table (with `key text`): no DDL from a token service at run time.
        tableCreated: true,
        // One sweep per store (below), not one per limiter, and one that stops when the store closes.
        clearExpiredByTimeout: false,
        points,
        duration,
        keyPrefix,
        insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
      },
      this.#guard,
    );
  }

  /**
   * Deletes rows that expired over an hour ago, every five minutes, as the library's
   * clearExpiredByTimeout does; unref'd, so it never keeps a process alive, and stopped on close (the
   * library's own timer re-arms itself and cannot be stopped). Started by the first limiter: a command
   * that makes none (plan, apply) runs no sweep.
   */
  #startClearing(): void {
    if (this.#clearing) return;
    this.#clearing = setInterval(() => {
      this.db.pool
        .query(`DELETE FROM ${TABLE} WHERE expire < $1`, [Date.now() - CLEAR_AFTER_MS])
        .catch(() => undefined);
    }, CLEAR_EVERY_MS);
    this.#clearing.unref();
    this.db.onClose(async () => clearInterval(this.#clearing));
  }
}
