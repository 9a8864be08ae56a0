/**
 * The store's rows and import history as this process last read them, kept by revision, for a process
 * that plans again and again against one store: the sync loop (every drift check plans the applied
 * commit at the same revision) and `up`'s watcher (an edit that changes nothing, or a re-plan before
 * the next apply). A plan at a revision already read reads neither again.
 *
 * Sound because rows and imports change only with a write the rows version counts: the store's own
 * transactions move the revision, and every row write, a hand edit in SQL too, moves the write count
 * (store/plan-records.ts; runtime state such as grants and sign-in limits lives in other tables). What
 * was read at version V is the store at V. The rows are frozen, since every later plan shares them.
 */
import { deepFreeze } from "../core/deep-freeze.ts";
import type { StoredResource } from "../model/resources.ts";
import { type RowsVersion, sameRowsVersion } from "../store/plan-records.ts";
import type { ImportRecord } from "../store/resources.ts";
import type { Store } from "../store/store.ts";

export interface RowsAtRevision {
  current: StoredResource[];
  imports: ImportRecord[];
  /** The version the rows were read at (read before and after them, the same both times). */
  version: RowsVersion;
}

export class StoreRowsMemo {
  #store: Store | undefined;
  #kept: RowsAtRevision | undefined;
  /** Reads of the rows, and reads saved, so far (tests, benches). */
  readonly stats = { read: 0, reused: 0 };

  /** The rows at `version` of `store`, when this memo holds them. */
  at(store: Store, version: RowsVersion): RowsAtRevision | undefined {
    const kept = this.#kept?.version;
    if (this.#store !== store || !kept || !sameRowsVersion(kept, version)) return undefined;
    this.stats.reused++;
    return this.#kept;
  }

  /** Keeps the rows read at `rows.version` (read between two reads of the same version). */
  keep(store: Store, rows: RowsAtRevision): void {
    this.stats.read++;
    deepFreeze(rows.current);
    deepFreeze(rows.imports);
    this.#store = store;
    this.#kept = rows;
  }
}
