/**
 * Rate limit on failed client authentication, per client id and address (rate-limiter-flexible): after
 * `points` failures within `durationSeconds` the pair gets 429 with Retry-After until the window ends,
 * whatever it presents. Successful requests are not counted, so a busy client with the right secret is
 * never slowed down.
 */
import { RateLimiterMemory } from "rate-limiter-flexible";

export interface FailedAuthLimiterOptions {
  /** Failures allowed per window (default 10). */
  points?: number;
  /** Window length (default 60 s). */
  durationSeconds?: number;
}

export class FailedAuthLimiter {
  readonly #limiter: RateLimiterMemory;
  readonly #points: number;

  constructor(options: FailedAuthLimiterOptions = {}) {
    this.#points = options.points ?? 10;
    this.#limiter = new RateLimiterMemory({
      points: this.#points,
      duration: options.durationSeconds ?? 60,
      keyPrefix: "failed-client-auth",
    });
  }

  static key(clientId: string, address: string): string {
    return `${address}\u0000${clientId}`;
  }

  /** Seconds to wait when the pair is blocked, else 0. */
  async retryAfter(key: string): Promise<number> {
    const state = await this.#limiter.get(key);
    if (!state || state.consumedPoints < this.#points) return 0;
    return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  }

  async recordFailure(key: string): Promise<void> {
    await this.#limiter.penalty(key, 1);
  }

  /** Forgets the failures of a key (a user who signs in successfully starts from zero). */
  async forgive(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }
}
