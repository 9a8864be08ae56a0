/**
 * `scopectl store copy`: every row of one store into another, empty one (SQLite to PostgreSQL when a
 * deployment grows, PostgreSQL to SQLite for a local look at production data). The source is read in
 * one consistent read, the target written in one transaction, then read back and compared with what
 * was read: a copy that does not round-trip is reported, not trusted.
 */
import { isDeepStrictEqual } from "node:util";
import { type DumpStore, dumpCounts, type StoreDump } from "./dump.ts";
import type { Store } from "./store.ts";

export type CopyableStore = Store & DumpStore;

export const isCopyable = (store: Store): store is CopyableStore =>
  typeof (store as Partial<DumpStore>).dump === "function" &&
  typeof (store as Partial<DumpStore>).restore === "function";

export interface CopyResult {
  revision: number;
  counts: Record<string, number>;
}

/** The first part of two dumps that differs, for the error that says the copy did not round-trip. */
function firstDifference(a: StoreDump, b: StoreDump): string | undefined {
  for (const key of Object.keys(a) as (keyof StoreDump)[]) {
    if (!isDeepStrictEqual(a[key], b[key])) return key;
  }
  return undefined;
}

export async function copyStore(from: Store, to: Store): Promise<CopyResult> {
  const dump = await from.dump();
  await to.restore(dump);
  const written = await to.dump();
  const differs = firstDifference(dump, written);
  if (differs !== undefined) {
    throw new Error(
      `the copy in ${to.description} does not read back as the source: its ${differs} differ (report this as a bug; the target is not empty now, remove it before trying again)`,
    );
  }
  return { revision: dump.revision, counts: dumpCounts(dump) };
}
