/**
 * A limit on failed authentications per key (rate-limiter-flexible): at most `points` checks that fail
 * within `durationSeconds`, after which the key gets 429 with Retry-After until the window ends,
 * whatever it presents.
 *
 * A check is reserved before it runs and given back when it succeeds (rate-limiter-flexible's
 * consume-then-reward pattern): consuming a point is one atomic step, so parallel requests can never run
 * more checks than the limit, however long a check takes. Checking the count first and counting a
 * failure afterwards would let every request that arrives while checks are running pass the check.
 *
 * Used as is at the token and introspection endpoints, keyed per client id and address (default 10
 * failures a minute; ids that name no client share one key per address, see authenticate-request.ts;
 * the address is clientAddressKey's: an IPv4 address or an IPv6 /64). A successful authentication gives
 * its point back, so a busy client with the right secret is never slowed down.
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

export class FailedAuthLimiter {
  readonly #limiter: RateLimiterAbstract;

  /** `counts`: where the counts live (the store's rate limits, so that replicas share them). */
  constructor(options: FailedAuthLimiterOptions = {}, counts: RateLimitStore = IN_PROCESS_COUNTS) {
    this.#limiter = counts.rateLimiter({
      points: options.points ?? 10,
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

  /** Forgets every failure of a key (a user who signs in from an address starts from zero there). */
  async forget(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }
}
