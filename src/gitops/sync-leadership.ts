/**
 * The sync loop's seat as leader (issue 14; docs/architecture.md#the-sync-loop): only the loop that leads
 * the store's sync target fetches and applies, however many `serve --sync-repo` replicas and
 * `scopectl sync` processes follow the branch. The store decides who leads (store/sync-leader.ts: an
 * advisory lock on PostgreSQL, a lease on SQLite); this keeps the leadership between passes, gives it
 * up on stop, and while another leads, tries again every STANDBY_POLL_MS and wakes the loop once it has
 * taken over, so that a killed leader's successor does not wait for its next interval.
 */
import os from "node:os";
import { ScopectlError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import type { SyncLeaderInfo, SyncLeadership } from "../store/sync-leader.ts";
import type { SyncLogger } from "./logger.ts";

/**
 * How often a loop standing by tries to lead: a takeover waits at most this long once the store lets
 * go (at once on PostgreSQL when the leader's connection dies; see sqlite/sync-leader.ts for SQLite).
 */
export const STANDBY_POLL_MS = 1000;

/** How a loop names itself as leader: host name and process id (`web-2:4711`). */
export const defaultHolder = (): string => `${os.hostname()}:${process.pid}`;

/** `sync --once` while another loop leads: it applies the commits, this one must not. */
export class SyncLedElsewhereError extends ScopectlError {
  static readonly code = "sync.led-elsewhere";
  declare readonly code: typeof SyncLedElsewhereError.code;

  constructor(readonly leader: SyncLeaderInfo | undefined) {
    super(
      SyncLedElsewhereError.code,
      leader
        ? `another sync loop leads this store's sync (${leader.holder}, since ${leader.since}) and applies the commits; nothing was fetched or applied here (\`scopectl status\` shows its status)`
        : "another sync loop led this store's sync during this pass, so nothing more was applied here; run the command again",
    );
    this.name = "SyncLedElsewhereError";
  }
}

export class LeaderSeat {
  readonly #store: Store;
  readonly #holder: string;
  readonly #logger: SyncLogger;
  /** Called when the standby poll took leadership over: the loop runs a pass. */
  readonly #onTakeOver: () => void;
  #held: SyncLeadership | undefined;
  #trying: Promise<SyncLeadership | undefined> | undefined;
  #standby: NodeJS.Timeout | undefined;
  #watching = false;
  #closed = false;
  /** The leader last logged as standing by for, so that a poll logs only a change. */
  #lastLeader: string | undefined;

  constructor(store: Store, holder: string, logger: SyncLogger, onTakeOver: () => void) {
    this.#store = store;
    this.#holder = holder;
    this.#logger = logger;
    this.#onTakeOver = onTakeOver;
  }

  get holder(): string {
    return this.#holder;
  }

  /**
   * This loop's leadership: the one held since an earlier pass, or taken now; undefined while another
   * loop leads. Concurrent calls share one attempt (two would make this loop its own rival).
   */
  lead(): Promise<SyncLeadership | undefined> {
    if (this.#held && !this.#held.lost.aborted) return Promise.resolve(this.#held);
    this.#trying ??= this.#take().finally(() => {
      this.#trying = undefined;
    });
    return this.#trying;
  }

  async #take(): Promise<SyncLeadership | undefined> {
    if (this.#closed) return undefined;
    const leadership = await this.#store.tryLeadSync(this.#holder);
    if (!leadership) {
      await this.#standingBy();
      return undefined;
    }
    if (this.#closed) {
      await leadership.release();
      return undefined;
    }
    this.#held = leadership;
    this.#lastLeader = undefined;
    clearTimeout(this.#standby);
    this.#standby = undefined;
    this.#logger.info({ holder: this.#holder }, "sync: leading: this loop fetches and applies");
    leadership.lost.addEventListener("abort", () => {
      if (this.#held === leadership) this.#held = undefined;
      const reason = leadership.lost.reason;
      this.#logger.warn(
        { holder: this.#holder, err: reason instanceof Error ? reason.message : String(reason) },
        "sync: lost the leadership; applying nothing more until this loop leads again",
      );
      void leadership.release();
      this.#armStandby();
    });
    return leadership;
  }

  /** Logs who leads (once per leader) and polls for a takeover when the loop runs on its own. */
  async #standingBy(): Promise<void> {
    const leader = await this.#store.syncLeader().catch(() => undefined);
    const name = leader ? `${leader.holder} ${leader.since}` : "";
    if (name !== this.#lastLeader) {
      this.#lastLeader = name;
      this.#logger.info(
        { leader: leader?.holder, since: leader?.since },
        "sync: standing by: another loop leads this store's sync; this one serves and takes over when it is gone",
      );
    }
    this.#armStandby();
  }

  /** From start() on: while another leads, try to lead every STANDBY_POLL_MS. */
  watch(): void {
    this.#watching = true;
  }

  #armStandby(): void {
    if (!this.#watching || this.#closed || this.#standby) return;
    this.#standby = setTimeout(() => {
      this.#standby = undefined;
      this.lead().then(
        (leadership) => {
          if (leadership) this.#onTakeOver();
        },
        (error: unknown) => {
          this.#logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            "sync: could not ask the store who leads; trying again",
          );
          this.#armStandby();
        },
      );
    }, STANDBY_POLL_MS);
    // Standing by must not keep a process alive that has nothing else to do.
    this.#standby.unref();
  }

  /** Stops standing by and gives leadership up (after the loop's last pass). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#standby);
    this.#standby = undefined;
    await this.#trying?.catch(() => undefined);
    const held = this.#held;
    this.#held = undefined;
    await held?.release();
  }
}
