/**
 * Rate limit on failed sign-ins, per account and per address (OWASP's "Authentication" guidance):
 * the account limit stops guessing one user's password from many addresses, the address limit stops one
 * address from trying many accounts. A successful sign-in clears its account's count. Like the client
 * authentication limiter this is per process; with several replicas each counts its own failures.
 */
import { FailedAuthLimiter } from "../failed-auth-limiter.ts";

export interface LoginLimiterOptions {
  /** Failed sign-ins allowed per account per window (default 5). */
  accountPoints?: number;
  /** Failed sign-ins allowed per address per window (default 20). */
  addressPoints?: number;
  /** Window length in seconds (default 900). */
  durationSeconds?: number;
}

export class LoginLimiter {
  readonly #accounts: FailedAuthLimiter;
  readonly #addresses: FailedAuthLimiter;

  constructor(options: LoginLimiterOptions = {}) {
    const durationSeconds = options.durationSeconds ?? 900;
    this.#accounts = new FailedAuthLimiter({ points: options.accountPoints ?? 5, durationSeconds });
    this.#addresses = new FailedAuthLimiter({ points: options.addressPoints ?? 20, durationSeconds });
  }

  /** Seconds until this account may try again from this address, or 0. */
  async retryAfter(email: string, address: string): Promise<number> {
    const [account, from] = await Promise.all([
      this.#accounts.retryAfter(email.toLowerCase()),
      this.#addresses.retryAfter(address),
    ]);
    return Math.max(account, from);
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([
      this.#accounts.recordFailure(email.toLowerCase()),
      this.#addresses.recordFailure(address),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.#accounts.forgive(email.toLowerCase());
  }
}
