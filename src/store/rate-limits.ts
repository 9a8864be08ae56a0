/**
 * Where the failed-authentication limits count: the token service's limiters (failed client
 * authentication, failed sign-ins) are rate-limiter-flexible limiters, and the store says where their
 * counts live, so that replicas sharing a store share the limits. SQLite serves one process: its counts
 * are in memory. PostgreSQL keeps them in a table every replica updates atomically, with an in-memory
 * limiter as insurance while the database cannot be reached (limits then hold per replica).
 * Backend-neutral: every Store implementation keeps this shape.
 */
import type { RateLimiterAbstract } from "rate-limiter-flexible";

export interface RateLimiterSpec {
  /** Points per window. */
  points: number;
  /** Window length, seconds. */
  duration: number;
  /** Keeps several limiters' keys apart in one table. */
  keyPrefix: string;
}

export interface RateLimitStore {
  /** A limiter whose counts every user of this store shares. */
  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract;
}
