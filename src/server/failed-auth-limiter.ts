/**
 * A limit on failed authentications per key (rate-limiter-flexible): at most `points` checks that fail
 * within `durationSeconds`, after which the key gets 429 with Retry-After until the window ends,
 * whatever it presents. Two ways to use it, by what a check costs:
 *
 * - reserve/release, for a check worth guarding (a password hash, at the login page): the check is
 *   reserved before it runs and given back when it succeeds (rate-limiter-flexible's consume-then-reward
 *   pattern). Consuming a point is one atomic step, so parallel requests can never run more checks than
 *   the limit, however long a check takes. The price: every reservation in flight counts, so a key
 *   never has more than `points` checks running at once.
 * - refusal/countFailure, for a check that costs nothing worth guarding (a client secret's SHA-256
 *   comparison, at the token and introspection endpoints): the check runs first; a failure is counted
 *   (one atomic consume) and answered only while it is within the limit, a success only while the key
 *   is under it (one read). So no more than `points` answers per window tell a guesser how a check
 *   went, however many run in parallel, and a busy client with the right secret is never refused: its
 *   requests count nothing, however many run at once (a reservation would live for a round trip to a
 *   shared store, and enough of them in flight would refuse it).
 *
 * At the token and introspection endpoints the key is a client id and address (default 10 failures a
 * minute; ids that name no client share one key per address, see authenticate-request.ts; the address
 * is clientAddressKey's: an IPv4 address or an IPv6 /64).
 *
 * Where the counts live is the store's choice (store/rate-limits.ts): replicas on one PostgreSQL store
 * share them (one atomic UPSERT per consume), so the limit holds for the service as a whole; while that
 * database cannot be reached each replica counts on in memory, and no request fails for it. An SQLite
 * store, and a limiter made without a store (unit tests), count in this process's memory.
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimitStore } from "../store/rate-limits.ts";

/** Counts in this process's memory: the default, for a limiter that serves one process. */
export const IN_PROCESS_COUNTS: RateLimitStore = {
  rateLimiter: (spec) =>
    new RateLimiterMemory({ points: spec.points, duration: spec.duration, keyPrefix: spec.keyPrefix }),
};

export interface FailedAuthLimiterOptions {
  /** Failures allowed per window (default 10). */
  points?: number;
  /** Window length (default 60 s). */
  durationSeconds?: number;
  /** Prefix of the keys where they are counted, so that several limiters never share a key. */
  keyPrefix?: string;
}

/**
 * A check may run (`count`: the checks reserved for the key in this window, this one included;
 * `resetsInSeconds`: when the window ends), or not yet.
 */
export type Reservation =
  | { granted: true; count: number; resetsInSeconds: number }
  | { granted: false; retryAfterSeconds: number };

/** Seconds a refused caller waits: at least 1, so that Retry-After is never 0. */
export const retryAfterSeconds = (res: { msBeforeNext: number }): number =>
  Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** `consume` of rate-limiter-flexible as a Reservation: a refusal is a RateLimiterRes, any other rejection an error. */
async function reserveOn(limiter: RateLimiterAbstract, key: string): Promise<Reservation> {
  try {
    const res = await limiter.consume(key, 1);
    return { granted: true, count: res.consumedPoints, resetsInSeconds: retryAfterSeconds(res) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes)
      return { granted: false, retryAfterSeconds: retryAfterSeconds(rejection) };
    throw rejection;
  }
}

/**
 * How long a read that found no failures for a key answers for it again without reading: at the token
 * endpoint a busy client's every request would otherwise cost a round trip to the shared table. See
 * refusal() for what this gives up.
 */
export const CLEAN_READ_MS = 1000;
/** At most this many remembered clean reads; past it they are forgotten at once (they are only a cache). */
const CLEAN_READS_MAX = 10_000;

export class FailedAuthLimiter {
  readonly #limiter: RateLimiterAbstract;
  readonly #points: number;
  /** Keys whose last read found no failure, and until when (ms) that read stands. */
  readonly #clean = new Map<string, number>();

  /** `counts`: where the counts live (the store's rate limits, so that replicas share them). */
  constructor(options: FailedAuthLimiterOptions = {}, counts: RateLimitStore = IN_PROCESS_COUNTS) {
    this.#points = options.points ?? 10;
    this.#limiter = counts.rateLimiter({
      points: this.#points,
      duration: options.durationSeconds ?? 60,
      keyPrefix: options.keyPrefix ?? "failed-client-auth",
    });
  }

  /** The key of a client id, or an account, at an address (a clientAddressKey). */
  static key(subject: string, address: string): string {
    return `${address}\u0000${subject}`;
  }

  /**
   * Reserves one check for `key`. A granted check that fails needs nothing more: its point stays
   * consumed. One that succeeds, or does not run after all, must be given back with release().
   */
  async reserve(key: string): Promise<Reservation> {
    return reserveOn(this.#limiter, key);
  }

  /** Gives a reserved point back: the check succeeded, or was not made. */
  async release(key: string): Promise<void> {
    await this.#limiter.reward(key, 1);
  }

  /**
   * After a check that did not fail: undefined while the key is under its limit (answer), else the
   * seconds to wait (429). Counts nothing.
   */
  async refusal(key: string): Promise<number | undefined> {
    const now = Date.now();
    if ((this.#clean.get(key) ?? 0) > now) return undefined;
    const res = await this.#limiter.get(key);
    if (res === null || res.consumedPoints === 0) {
      // A key with no failure at all is taken as clean for CLEAN_READ_MS. What that gives up: failures
      // counted at other replicas meanwhile reach this replica's answers up to that much later. Keys are
      // per client and address, and only a success is answered from here, so the entry is the right
      // secret's holder's own: a guesser at another address has its own key, never read clean; one behind
      // the same address gets at most one answered guess more per replica. A failure here forgets it.
      if (this.#clean.size >= CLEAN_READS_MAX) this.#clean.clear();
      this.#clean.set(key, now + CLEAN_READ_MS);
      return undefined;
    }
    this.#clean.delete(key);
    return res.consumedPoints >= this.#points ? retryAfterSeconds(res) : undefined;
  }

  /**
   * After a check that failed: counts it, atomically. Undefined while it is within the limit (answer
   * the failure), else the seconds to wait (429: its answer is withheld).
   */
  async countFailure(key: string): Promise<number | undefined> {
    this.#clean.delete(key);
    const counted = await reserveOn(this.#limiter, key);
    return counted.granted ? undefined : counted.retryAfterSeconds;
  }

  /** Forgets every failure of a key (a user who signs in from an address starts from zero there). */
  async forget(key: string): Promise<void> {
    this.#clean.delete(key);
    await this.#limiter.delete(key);
  }
}
