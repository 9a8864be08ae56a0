/**
 * The store's rows and import history as this process last read them, kept by revision, for a process
 * that plans again and again against one store: the sync loop (every drift check plans the applied
 * commit at the same revision) and `up`'s watcher (an edit that changes nothing, or a re-plan before
 * the next apply). A plan at a revision already read reads neither again.
 *
 * Sound because rows and imports change only in a transaction that moves the revision (both stores
 * write a revision for every transaction that writes a row or an import record; runtime state such as
 * grants and sign-in limits lives in other tables): what was read at revision N is the store at N.
 * The rows are frozen, since every later plan shares them.
 */
import { deepFreeze } from "../core/deep-freeze.ts";
import type { StoredResource } from "../model/resources.ts";
import type { ImportRecord } from "../store/resources.ts";
import type { Store } from "../store/store.ts";

export interface RowsAtRevision {
  current: StoredResource[];
  imports: ImportRecord[];
  revision: number;
}

export class StoreRowsMemo {
  #store: Store | undefined;
  #kept: RowsAtRevision | undefined;
  /** Reads of the rows, and reads saved, so far (tests, benches). */
  readonly stats = { read: 0, reused: 0 };

  /** The rows at `revision` of `store`, when this memo holds them. */
  at(store: Store, revision: number): RowsAtRevision | undefined {
    if (this.#store !== store || this.#kept?.revision !== revision) return undefined;
    this.stats.reused++;
    return this.#kept;
  }

  /** Keeps the rows read at `revision` (read between two reads of the same revision). */
  keep(store: Store, rows: RowsAtRevision): void {
    this.stats.read++;
    deepFreeze(rows.current);
    deepFreeze(rows.imports);
    this.#store = store;
    this.#kept = rows;
  }
}
