/**
 * The failed-authentication limiters' counts on SQLite: in this process's memory. An SQLite store is
 * served by one token service process, and a count lost with the process (a restart) only gives a
 * guesser its window back early.
 */
import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";
import type { RateLimiterSpec, RateLimitStore } from "../rate-limits.ts";

export class SqliteRateLimits implements RateLimitStore {
  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    return new RateLimiterMemory({ points: spec.points, duration: spec.duration, keyPrefix: spec.keyPrefix });
  }
}
