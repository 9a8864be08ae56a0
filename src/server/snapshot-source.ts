/**
 * Keeps the current Snapshot: compiles one at start, then recompiles when the store's revision or the
 * signing keys' version moves. The swap is one assignment, so a request sees either the old snapshot or
 * the new one. A reload that fails (a store locked for long or unreachable, a key it cannot decrypt)
 * keeps the old snapshot serving and is retried.
 *
 * How it learns of a change: from the store's change feed when it has a live one (PostgreSQL's
 * LISTEN/NOTIFY: another replica's apply or key rotation is seen within milliseconds), and by polling
 * the two counters. While the feed is live the poll is only a safety net (every `livePollIntervalMs`);
 * while it is not (SQLite, whose feed never is, or a PostgreSQL listener whose connection was lost) the
 * poll runs every `pollIntervalMs`, which bounds how stale a replica can be. When a lost feed comes
 * back, one refresh catches up with what it missed.
 */
import type { Store } from "../store/store.ts";
import { SigningKeys } from "./keys/keyring.ts";
import { maxTokenLifetimeSeconds } from "./keys/lifetime.ts";
import { compileSnapshot, type Snapshot, settingsOf } from "./snapshot.ts";

export interface SnapshotSourceOptions {
  issuer?: string | undefined;
  /** How often the store is polled for a new revision while its change feed is not live (default 500 ms). */
  pollIntervalMs?: number;
  /** How often it is polled while the feed is live (default 10 s). */
  livePollIntervalMs?: number;
  masterKey?: string | undefined;
  onReload?: (snapshot: Snapshot, previous: Snapshot | undefined) => void;
  onError?: (error: unknown) => void;
  warn?: (message: string) => void;
}

export class SnapshotSource {
  #current: Snapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #live = false;
  #unwatch: (() => void) | undefined;
  #reloading: Promise<Snapshot> | undefined;
  readonly #keys: SigningKeys;
  #maxLifetimeSeconds = 0;

  constructor(
    private readonly store: Store,
    private readonly options: SnapshotSourceOptions = {},
  ) {
    this.#keys = new SigningKeys(store, {
      masterKey: options.masterKey,
      ...(options.warn ? { warn: options.warn } : {}),
    });
  }

  /** The snapshot requests read; throws before the first load (the server answers 503 until then). */
  get current(): Snapshot | undefined {
    return this.#current;
  }

  /** Loads the first snapshot, then follows the store's change feed and polls. */
  async start(): Promise<Snapshot> {
    const snapshot = await this.reload();
    this.#running = true;
    this.#unwatch = this.store.watchChanges({
      onChange: () => this.#checkSoon(),
      onLive: (live) => {
        this.#live = live;
        // Back from a lost connection: whatever was notified meanwhile is gone, so look now. Lost: the
        // fast poll takes over from the next tick.
        this.#checkSoon();
      },
    });
    this.#schedule();
    return snapshot;
  }

  stop(): void {
    this.#running = false;
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get #interval(): number {
    return this.#live ? (this.options.livePollIntervalMs ?? 10_000) : (this.options.pollIntervalMs ?? 500);
  }

  /** The next check in `delay` ms (replacing the one scheduled); checks never overlap. */
  #schedule(delay = this.#interval): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), delay).unref();
  }

  /** A notification: check at once (a burst of them shares the check in flight, see refresh()). */
  #checkSoon(): void {
    this.#schedule(0);
  }

  async #check(): Promise<void> {
    this.#timer = undefined;
    try {
      await this.refresh();
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      if (!this.#timer) this.#schedule();
    }
  }

  /**
   * Reloads when the store's revision moved or the key ring changed (a rotation, or a retired key whose
   * tokens have all expired leaving the JWKS); returns the current snapshot.
   */
  async refresh(): Promise<Snapshot> {
    const current = this.#current;
    if (current) {
      const revision = await this.store.revision();
      // load() returns the very same ring while nothing about the keys changed.
      const keys = await this.#keys.load(current.settings.signingAlg, this.#maxLifetimeSeconds);
      if (revision === current.revision && keys === current.keys) return current;
    }
    return this.reload();
  }

  /** Compiles a new snapshot now (concurrent callers share one reload). */
  reload(): Promise<Snapshot> {
    this.#reloading ??= this.#compile().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #compile(): Promise<Snapshot> {
    // Read the revision before the rows: if an apply lands in between, the next poll sees a newer
    // revision than the one recorded here and loads again.
    const revision = await this.store.revision();
    const rows = await this.store.listAll();
    const settings = settingsOf(rows);
    this.#maxLifetimeSeconds = maxTokenLifetimeSeconds(rows);
    const keys = await this.#keys.load(settings.signingAlg, this.#maxLifetimeSeconds);
    const previous = this.#current;
    const snapshot = compileSnapshot({ revision, rows, keys, issuer: this.options.issuer });
    this.#current = snapshot;
    this.options.onReload?.(snapshot, previous);
    return snapshot;
  }
}
