/**
 * A limit on failed authentications per key (rate-limiter-flexible, in memory): at most `points` checks
 * that fail within `durationSeconds`, after which the key gets 429 with Retry-After until the window
 * ends (or until a block() ends), whatever it presents.
 *
 * A check is reserved before it runs and given back when it succeeds (rate-limiter-flexible's
 * consume-then-reward pattern): consuming a point is one atomic step, so parallel requests can never run
 * more checks than the limit, however long a check takes. Checking the count first and counting a
 * failure afterwards would let every request that arrives while checks are running pass the check.
 *
 * Used as is at the token and introspection endpoints, keyed per client id and address (default 10
 * failures a minute; ids that name no client share one key per address, see authenticate-request.ts;
 * the address is clientAddressKey's: an IPv4 address or an IPv6 /64). A successful authentication gives its point back, so a busy client with the right
 * secret is never slowed down: its check is a synchronous SHA-256 comparison, so its reservation lives
 * for less than a tick. Per process: with several replicas each counts its own failures.
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

export interface FailedAuthLimiterOptions {
  /** Failures allowed per window (default 10). */
  points?: number;
  /** Window length (default 60 s). */
  durationSeconds?: number;
  /** Prefix of the keys in the store, so that several limiters never share a key. */
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
const retryAfterSeconds = (res: { msBeforeNext: number }): number =>
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
  readonly #limiter: RateLimiterMemory;
  /** Blocked keys, apart from the counts: points given back during a block never shorten it. */
  readonly #blocks: RateLimiterMemory;

  constructor(options: FailedAuthLimiterOptions = {}) {
    const duration = options.durationSeconds ?? 60;
    const keyPrefix = options.keyPrefix ?? "failed-client-auth";
    this.#limiter = new RateLimiterMemory({ points: options.points ?? 10, duration, keyPrefix });
    this.#blocks = new RateLimiterMemory({ points: 1, duration, keyPrefix: `${keyPrefix}-blocked` });
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
    const blocked = await this.#blocks.get(key);
    if (blocked !== null) return { granted: false, retryAfterSeconds: retryAfterSeconds(blocked) };
    return reserveOn(this.#limiter, key);
  }

  /** Gives a reserved point back: the check succeeded, or was not made. */
  async release(key: string): Promise<void> {
    await this.#limiter.reward(key, 1);
  }

  /** Refuses every check of a key for `seconds` from now. */
  async block(key: string, seconds: number): Promise<void> {
    await this.#blocks.set(key, 1, seconds);
  }

  /** Forgets every failure of a key (a user who signs in from an address starts from zero there). */
  async forget(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }
}
