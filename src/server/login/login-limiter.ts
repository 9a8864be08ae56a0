/**
 * Limits on failed sign-ins at the login page. They must bound password guessing, from one address and
 * from many, without letting anyone lock an account's owner out by failing on purpose (OWASP
 * Authentication Cheat Sheet, "Account lockout"; NIST SP 800-63B §5.2.2 allows at most 100 failures).
 *
 * The policy, with its defaults (LOGIN_LIMITS):
 * - Per account and address: 5 failures per 15 minutes. The 6th attempt from that address is refused
 *   (429 + Retry-After) until the window ends; other addresses are not affected. A successful sign-in
 *   clears the pair.
 * - Per address, across accounts: 20 failures within 15 minutes block the address for 1 hour, for
 *   every account (a password spray, or one guesser trying many accounts).
 * - Per account, from all addresses: once 10 failures happened within an hour, the account is under
 *   attack, and an address that already tried it within the hour gets no further attempt at it; a
 *   fresh address still gets one. The account's whole budget is 30 failures per hour: past that, only
 *   its known addresses may still try it (within their own limits above).
 * - A known address of an account is one it signed in from successfully within the last 14 days.
 *
 * So a guesser at one address gets at most 5 guesses per account per 15 minutes, and 20 in all before
 * an hour's block; any number of addresses together get at most 30 guesses per account per hour.
 * Locking the owner out of a fresh address takes about 22 addresses failing within the hour (2 to
 * reach 10 failures, then one guess each), and never locks them out of an address they signed in from
 * before.
 *
 * Each attempt reserves its password check before it runs, on every count (consume, then reward
 * on success or refusal: rate-limiter-flexible's pattern), so parallel attempts can never run more
 * checks than these numbers. A success gives its points back and does not reset the account's or the
 * address's count: an attacker with one valid account, or an owner signing in during an attack, must not
 * refill a guesser's budget. Unknown emails are counted like known ones, so the limits do not tell which
 * accounts exist. Every count (the blocks, the address failures and the known addresses included) lives
 * where the store says (store/rate-limits.ts): replicas on one PostgreSQL store share them, so these
 * numbers hold for the service as a whole; while that database cannot be reached each replica counts on
 * in its own memory (the numbers then hold per replica). The address is the one the server sees (the
 * socket's): behind a reverse proxy that hides client addresses every client would share the proxy's,
 * and the per-address limits would fall on all of them at once. "Address" means clientAddressKey's key:
 * an IPv4 address (an IPv4-mapped IPv6 one counts as it), or an IPv6 /64.
 *
 * Memory (in this process, or rows of the store's table): each count keeps about 2.4 KB per key until
 * its window ends (15 minutes to an hour; a known address 14 days). An address is checked first, so a refused address stores nothing per account: one
 * address key holds at most addressPoints (20) pair, tried and account keys per window besides its own
 * two, and the account keys are bounded by what the addresses can reserve. What is not bounded is the
 * number of address keys: one per IPv4 address or IPv6 /64 an attacker sends from. No key is longer than
 * an address and a 254-character email (see accountKey).
 */
import { createHash } from "node:crypto";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimitStore } from "../../store/rate-limits.ts";
import { FailedAuthLimiter, IN_PROCESS_COUNTS, retryAfterSeconds } from "../failed-auth-limiter.ts";
import { clientAddressKey } from "../http/client-address.ts";
import { LOGIN_FIELD_LIMITS } from "./login-form-token.ts";

export interface LoginLimiterOptions {
  /** Failures per account and address per window (default 5). */
  pairPoints?: number;
  /** Failures per address, across accounts, per window (default 20). */
  addressPoints?: number;
  /** The window of the two limits above, in seconds (default 900). */
  windowSeconds?: number;
  /** How long an address that goes past addressPoints is refused, in seconds (default 3600). */
  addressBlockSeconds?: number;
  /** Failures of an account after which an address that failed for it gets no more attempts (default 10). */
  accountAttackPoints?: number;
  /** Failures per account from all addresses per account window; past them only known addresses try (default 30). */
  accountPoints?: number;
  /** The window of the two account limits, in seconds (default 3600). */
  accountWindowSeconds?: number;
  /** How long an address stays known to an account after a successful sign-in from it, in seconds (default 14 days). */
  knownAddressSeconds?: number;
}

/** The defaults, in one place: the README's security section states these numbers. */
export const LOGIN_LIMITS: Readonly<Required<LoginLimiterOptions>> = Object.freeze({
  pairPoints: 5,
  addressPoints: 20,
  windowSeconds: 15 * 60,
  addressBlockSeconds: 60 * 60,
  accountAttackPoints: 10,
  accountPoints: 30,
  accountWindowSeconds: 60 * 60,
  knownAddressSeconds: 14 * 24 * 60 * 60,
});

/** Node's timers (which expire the counts) hold at most 2^31-1 ms, about 24.8 days. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function checkedLimits(options: LoginLimiterOptions): Required<LoginLimiterOptions> {
  const limits = { ...LOGIN_LIMITS, ...options };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SECONDS) {
      throw new RangeError(
        `login limit ${name} must be a whole number from 1 to ${MAX_SECONDS}, not ${value}`,
      );
    }
  }
  return limits;
}

/** An attempt whose password check may run: it must say how the check went. */
export interface LoginAttempt {
  allowed: true;
  /** The right password: the check was no failure. */
  succeeded(): Promise<void>;
  /** A wrong password (or an unknown account): the reservation stays counted. */
  failed(): Promise<void>;
  /** The check could not be made (the store could not be reached): every point goes back, nothing else changes. */
  abandoned(): Promise<void>;
}

export type LoginDecision = LoginAttempt | { allowed: false; retryAfterSeconds: number };

/**
 * The key of the account an email names. The form field takes at most 254 characters, but a post may
 * carry up to the form body limit (8 KB), and every count keeps its keys for its window: a longer email
 * is counted under its SHA-256, so that no key is longer than a real email and distinct emails stay apart.
 */
function accountKey(email: string): string {
  const account = email.toLowerCase();
  if (account.length <= LOGIN_FIELD_LIMITS.email) return account;
  return `\u0000sha256:${createHash("sha256").update(account, "utf8").digest("hex")}`;
}

/** Counts that only ever record, never refuse on their own (a limit is applied by the caller). */
const UNLIMITED = 2 ** 30;

export class LoginLimiter {
  readonly #limits: Required<LoginLimiterOptions>;
  readonly #pairs: FailedAuthLimiter;
  /** Attempts per (account, address) within the account window: which addresses already tried it. */
  readonly #tried: FailedAuthLimiter;
  readonly #addresses: FailedAuthLimiter;
  /** Addresses refused for addressBlockSeconds, apart from the counts: points given back never shorten it. */
  readonly #addressBlocks: RateLimiterAbstract;
  readonly #accounts: FailedAuthLimiter;
  /**
   * Failures per address (not reservations, which include checks still running): what earns the
   * longer block, so that a burst of right passwords from one busy address never does.
   */
  readonly #addressFailures: RateLimiterAbstract;
  /** (account, address) pairs that signed in: the value means nothing, its expiry is what counts. */
  readonly #known: RateLimiterAbstract;

  /** `counts`: where every count lives (the store's rate limits, so that replicas share them). */
  constructor(options: LoginLimiterOptions = {}, counts: RateLimitStore = IN_PROCESS_COUNTS) {
    const limits = checkedLimits(options);
    this.#limits = limits;
    const counter = (keyPrefix: string, points: number, durationSeconds: number) =>
      new FailedAuthLimiter({ points, durationSeconds, keyPrefix }, counts);
    this.#pairs = counter("login-pair", limits.pairPoints, limits.windowSeconds);
    this.#tried = counter("login-tried", UNLIMITED, limits.accountWindowSeconds);
    this.#addresses = counter("login-address", limits.addressPoints, limits.windowSeconds);
    this.#accounts = counter("login-account", limits.accountPoints, limits.accountWindowSeconds);
    this.#addressBlocks = counts.rateLimiter({
      points: 1,
      duration: limits.addressBlockSeconds,
      keyPrefix: "login-address-blocked",
    });
    this.#addressFailures = counts.rateLimiter({
      points: UNLIMITED,
      duration: limits.windowSeconds,
      keyPrefix: "login-address-failures",
    });
    this.#known = counts.rateLimiter({
      points: 1,
      duration: limits.knownAddressSeconds,
      keyPrefix: "login-known",
    });
  }

  /**
   * Reserves the password check of a sign-in attempt on every count, or says how long to wait.
   * `socketAddress` is the client's address as the socket reports it; it is counted under its key.
   */
  async reserve(email: string, socketAddress: string | undefined): Promise<LoginDecision> {
    const account = accountKey(email);
    const address = clientAddressKey(socketAddress);
    const pair = FailedAuthLimiter.key(account, address);
    // What was reserved so far, to give back when a later count refuses. A count that refuses keeps
    // its own point: nothing hangs on a count past its limit.
    const reserved: Array<[FailedAuthLimiter, string]> = [];
    const giveBack = async () => {
      await Promise.all(reserved.map(([count, key]) => count.release(key)));
    };
    const refuse = async (wait: number): Promise<LoginDecision> => {
      await giveBack();
      return { allowed: false, retryAfterSeconds: wait };
    };
    // Address first: a refused address creates no per-account keys, which bounds the memory it uses.
    const blocked = await this.#addressBlocks.get(address);
    if (blocked !== null) return refuse(retryAfterSeconds(blocked));
    const fromAddress = await this.#addresses.reserve(address);
    if (!fromAddress.granted) return refuse(fromAddress.retryAfterSeconds);
    reserved.push([this.#addresses, address]);
    const forPair = await this.#pairs.reserve(pair);
    if (!forPair.granted) return refuse(forPair.retryAfterSeconds);
    reserved.push([this.#pairs, pair]);
    const tried = await this.#tried.reserve(pair);
    if (tried.granted) reserved.push([this.#tried, pair]);
    const forAccount = await this.#accounts.reserve(account);
    if (forAccount.granted) reserved.push([this.#accounts, account]);
    if ((await this.#known.get(pair)) === null) {
      if (!forAccount.granted) return refuse(forAccount.retryAfterSeconds);
      // Under attack, an address gets no attempt at the account after one that failed (or still runs).
      const attacked = forAccount.count > this.#limits.accountAttackPoints;
      if (attacked && tried.granted && tried.count > 1) return refuse(forAccount.resetsInSeconds);
    }
    return {
      allowed: true,
      succeeded: () => this.#succeeded(account, address, pair),
      failed: () => this.#failed(address),
      abandoned: giveBack,
    };
  }

  /** Its points back, the pair starts from zero, and the address is known to the account. */
  async #succeeded(account: string, address: string, pair: string): Promise<void> {
    await Promise.all([
      this.#addresses.release(address),
      this.#accounts.release(account),
      this.#pairs.forget(pair),
      this.#tried.forget(pair),
      this.#known.set(pair, 1, this.#limits.knownAddressSeconds),
    ]);
  }

  /** Enough failures from one address, across accounts, block it for longer. */
  async #failed(address: string): Promise<void> {
    const failures = await this.#addressFailures.penalty(address, 1);
    if (failures.consumedPoints >= this.#limits.addressPoints) {
      await this.#addressBlocks.set(address, 1, this.#limits.addressBlockSeconds);
    }
  }
}
