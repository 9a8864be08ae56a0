/**
 * What the plan stage keeps from plan to plan in a process that plans one folder again and again (`up`'s
 * watcher, the sync loop: engine/plan-folder.ts earlierPlans), so that a re-plan after a one-file change
 * costs about what changed. Everything here is keyed by the identity of frozen inputs, and holds only
 * the results of pure functions of them:
 *   - the desired row of a resolved User or Role: the resolution memo (manifest/resolve/memo.ts) hands
 *     out the same frozen object while its document and what it refers to are unchanged;
 *   - "this desired row equals that stored row": the store's rows are kept frozen by revision
 *     (engine/store-rows.ts), so the same pair of objects compares the same again;
 *   - the stored rows by key, for the same list of rows.
 * WeakMaps throughout: nothing is kept for an object nobody else holds any more.
 */
import { deepFreeze } from "../core/deep-freeze.ts";
import { type Resource, resourceKey, type StoredResource } from "../model/resources.ts";

export class PlanMemo {
  readonly #desired = new WeakMap<object, Resource>();
  readonly #equal = new WeakMap<Resource, StoredResource>();
  readonly #rowsByKey = new WeakMap<readonly StoredResource[], ReadonlyMap<string, StoredResource>>();

  /** The desired row of the resolved `entity` (frozen, so the kept row is shared safely). */
  desired(entity: object, make: () => Resource): Resource {
    const kept = this.#desired.get(entity);
    if (kept !== undefined) return kept;
    const made = make();
    if (Object.isFrozen(entity)) {
      deepFreeze(made);
      this.#desired.set(entity, made);
    }
    return made;
  }

  /** True when `desired` was found equal to this very `row` before. */
  knownEqual(desired: Resource, row: StoredResource): boolean {
    return this.#equal.get(desired) === row;
  }

  /** Notes that `desired` equals `row`; kept only when both are frozen, so that neither can change. */
  noteEqual(desired: Resource, row: StoredResource): void {
    if (Object.isFrozen(desired) && Object.isFrozen(row)) this.#equal.set(desired, row);
  }

  /** `current` by resourceKey. */
  rowsByKey(current: readonly StoredResource[]): ReadonlyMap<string, StoredResource> {
    const kept = this.#rowsByKey.get(current);
    if (kept !== undefined) return kept;
    const made = rowsByKey(current);
    if (Object.isFrozen(current)) this.#rowsByKey.set(current, made);
    return made;
  }
}

export function rowsByKey(current: readonly StoredResource[]): Map<string, StoredResource> {
  const rows = new Map<string, StoredResource>();
  for (const row of current) rows.set(resourceKey(row.kind, row.id), row);
  return rows;
}
