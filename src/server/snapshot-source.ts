/**
 * Keeps the current Snapshot: compiles one at start, then polls the store's revision and the signing
 * keys' version and recompiles when either moves. The swap is one assignment, so a request sees either
 * the old snapshot or the new one. A reload that fails (a store locked for long, a key it cannot
 * decrypt) keeps the old snapshot serving and is retried at the next poll.
 */
import type { Store } from "../store/store.ts";
import { SigningKeys } from "./keys/keyring.ts";
import { maxTokenLifetimeSeconds } from "./keys/lifetime.ts";
import { compileSnapshot, type Snapshot, settingsOf } from "./snapshot.ts";

export interface SnapshotSourceOptions {
  issuer?: string | undefined;
  /** How often the store is polled for a new revision (default 500 ms). */
  pollIntervalMs?: number;
  masterKey?: string | undefined;
  onReload?: (snapshot: Snapshot, previous: Snapshot | undefined) => void;
  onError?: (error: unknown) => void;
  warn?: (message: string) => void;
}

export class SnapshotSource {
  #current: Snapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
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

  /** Loads the first snapshot and starts polling. */
  async start(): Promise<Snapshot> {
    const snapshot = await this.reload();
    const interval = this.options.pollIntervalMs ?? 500;
    const tick = async () => {
      try {
        await this.refresh();
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        if (this.#timer) this.#timer = setTimeout(tick, interval).unref();
      }
    };
    this.#timer = setTimeout(tick, interval).unref();
    return snapshot;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
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
