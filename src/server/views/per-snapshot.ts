/**
 * Indexes the views derive from a snapshot (sorted lists, holders per scope, counts), computed on first
 * use and kept as long as the snapshot is: a snapshot is immutable, so what is derived from it never
 * goes stale, and a new revision's snapshot gets its own (the old one's are collected with it).
 */
import type { Snapshot } from "../snapshot.ts";

export function perSnapshot<T>(build: (snapshot: Snapshot) => T): (snapshot: Snapshot) => T {
  const cache = new WeakMap<Snapshot, T>();
  return (snapshot) => {
    let value = cache.get(snapshot);
    if (value === undefined) {
      value = build(snapshot);
      cache.set(snapshot, value);
    }
    return value;
  };
}
