/**
 * Reuse of client credentials tokens. A machine client that asks again for the same token (same client,
 * audiences and scopes) within a short window gets the token it was just issued, with its remaining
 * lifetime in `expires_in`, instead of a new signature. Token storms from clients that fetch a token per
 * call then cost no signing CPU; every request is still authenticated and checked against the current
 * snapshot, and the cache belongs to one snapshot, so an apply or a key rotation is seen at once.
 * Concurrent identical requests share one signing (the cache holds the promise).
 */
import type { IssuedAccessToken } from "./access-token.ts";

export interface ReusableToken {
  issued: IssuedAccessToken;
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
}

/** Default window: a tenth of the token's lifetime, at most this many seconds. */
export const DEFAULT_REUSE_SECONDS = 60;
const MAX_ENTRIES = 10_000;

export class TokenReuse {
  readonly #entries = new Map<string, { reuseUntil: number; token: Promise<ReusableToken> }>();

  constructor(readonly maxSeconds: number = DEFAULT_REUSE_SECONDS) {}

  static key(clientId: string, audiences: readonly string[], scopes: readonly string[]): string {
    return `${clientId}\u0000${audiences.join(" ")}\u0000${[...scopes].sort().join(" ")}`;
  }

  /** The cached token for `key` while its window lasts, else the one `issue` makes (and caches). */
  async get(
    key: string,
    lifetimeSeconds: number,
    nowSeconds: number,
    issue: () => Promise<ReusableToken>,
  ): Promise<ReusableToken> {
    const window = Math.min(this.maxSeconds, Math.floor(lifetimeSeconds / 10));
    if (window <= 0) return issue();
    const cached = this.#entries.get(key);
    if (cached && nowSeconds < cached.reuseUntil) return cached.token;
    if (this.#entries.size >= MAX_ENTRIES) this.#prune(nowSeconds);
    const token = issue();
    const entry = { reuseUntil: nowSeconds + window, token };
    this.#entries.set(key, entry);
    // A failed signing must not be served from the cache.
    token.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return token;
  }

  #prune(nowSeconds: number): void {
    for (const [key, entry] of this.#entries) if (entry.reuseUntil <= nowSeconds) this.#entries.delete(key);
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < MAX_ENTRIES) break;
      this.#entries.delete(key);
    }
  }
}
