/**
 * Plan records: what a plan of a folder found, kept in the store beside the reconciled state so that a
 * fresh process planning the same inputs against the same rows can answer without planning again
 * (engine/plan-record.ts decides when a record may answer; this concern only keeps it).
 *
 * Runtime state: written without a revision or an audit row, never part of a plan, a dump or a copy.
 * What makes a record trustworthy is not who wrote it but what it is checked against: the count of
 * row writes, which triggers in the schema keep for every insert, update and delete of the rows a
 * plan reads (resources and the import history), whoever makes it with the triggers on: an apply, an
 * upload over HTTP, a hand edit in SQL. The revision moves only with the store's own transactions; this count moves with
 * any write, so a record made before a write never answers after it.
 */

/** Where the rows a plan reads stand: the revision, and how many row writes the triggers counted. */
export interface RowsVersion {
  revision: number;
  writes: number;
}

/** The same rows: neither a transaction of the store's nor any other row write happened between. */
export function sameRowsVersion(a: RowsVersion, b: RowsVersion): boolean {
  return a.revision === b.revision && a.writes === b.writes;
}

export interface PlanRecordStore {
  /** The revision and the row-write count, read together (one snapshot). */
  rowsVersion(): Promise<RowsVersion>;
  /** The record kept for `key` (who the plans manage rows as), or undefined. */
  planRecord(key: string): Promise<string | undefined>;
  /** Keeps `record` (JSON text) for `key`, replacing the one before. */
  savePlanRecord(key: string, record: string): Promise<void>;
}
