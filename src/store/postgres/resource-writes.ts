/**
 * The batched writes of an apply on PostgreSQL. A transaction buffers its puts and removes and writes
 * them in batches (at commit, before a read that needs them, and every BATCH_SIZE operations): each
 * batch is a few multi-row statements over `unnest` arrays, whatever its size, instead of several round
 * trips per row (a large tenant's apply is tens of thousands of rows; on a network, per-row round trips
 * would be most of its time).
 */
import type pg from "pg";
import { RESOURCE_COLUMNS } from "../records.ts";
import { type Row, rows } from "./database.ts";

/** Operations buffered before a batch is written without waiting for a read or the commit. */
export const BATCH_SIZE = 5000;

/** A key's row: kind, id, props (JSON text), managed_by, commit_sha, created_revision, updated_revision. */
export type ResourceRow = [string, string, string, string, string | null, number, number];

export interface AuditRow {
  actor: string;
  commit: string | null;
  kind: string;
  id: string;
  before: string | null;
  after: string | null;
}

export interface ImportRow {
  source: string;
  api: string;
  action: string;
  file: string;
  commit: string | null;
  log: string;
}

const QUALIFIED_COLUMNS = RESOURCE_COLUMNS.split(", ")
  .map((name) => `r.${name}`)
  .join(", ");

const column = <T>(items: readonly T[], pick: (item: T) => unknown): unknown[] => items.map(pick);

/** The rows of these keys as the database has them now (absent keys are missing from the answer). */
export async function readRows(client: pg.PoolClient, keys: [string, string][]): Promise<Row[]> {
  return rows(
    client,
    `SELECT ${QUALIFIED_COLUMNS} FROM resources r
      JOIN unnest($1::text[], $2::text[]) AS k (kind, id) ON r.kind = k.kind AND r.id = k.id`,
    [column(keys, (k) => k[0]), column(keys, (k) => k[1])],
  );
}

/** The ids of every row of one kind: answers "is it there?" for the kind without a query per id. */
export async function readIds(client: pg.PoolClient, kind: string): Promise<Set<string>> {
  const found = await rows(client, "SELECT id FROM resources WHERE kind = $1", [kind]);
  return new Set(found.map((row) => row[0] as string));
}

/** Deletes the rows of `removed` and writes `present` (insert, or replace every column). */
export async function writeRows(
  client: pg.PoolClient,
  present: ResourceRow[],
  removed: [string, string][],
): Promise<void> {
  if (removed.length > 0) {
    await client.query(
      `DELETE FROM resources r USING unnest($1::text[], $2::text[]) AS k (kind, id)
        WHERE r.kind = k.kind AND r.id = k.id`,
      [column(removed, (k) => k[0]), column(removed, (k) => k[1])],
    );
  }
  if (present.length === 0) return;
  // created_revision is written too: a row removed and created again in one apply starts anew, as it
  // does on SQLite (a delete, then an insert).
  await client.query(
    `INSERT INTO resources (${RESOURCE_COLUMNS})
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::integer[])
      ON CONFLICT (kind, id) DO UPDATE SET props = excluded.props, managed_by = excluded.managed_by,
        commit_sha = excluded.commit_sha, created_revision = excluded.created_revision,
        updated_revision = excluded.updated_revision`,
    [0, 1, 2, 3, 4, 5, 6].map((i) => column(present, (row) => row[i])),
  );
}

/** Appends audit rows in the order given (seq follows the array: ORDER BY its ordinality). */
export async function writeAudit(
  client: pg.PoolClient,
  revision: number,
  time: string,
  audit: AuditRow[],
): Promise<void> {
  if (audit.length === 0) return;
  await client.query(
    `INSERT INTO audit (revision, actor, commit_sha, kind, id, before_props, after_props, time)
      SELECT $1, a.actor, a.commit_sha, a.kind, a.id, a.before_props, a.after_props, $2
      FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
        WITH ORDINALITY AS a (actor, commit_sha, kind, id, before_props, after_props, n)
      ORDER BY a.n`,
    [
      revision,
      time,
      column(audit, (a) => a.actor),
      column(audit, (a) => a.commit),
      column(audit, (a) => a.kind),
      column(audit, (a) => a.id),
      column(audit, (a) => a.before),
      column(audit, (a) => a.after),
    ],
  );
}

export async function writeImports(
  client: pg.PoolClient,
  revision: number,
  time: string,
  imports: ImportRow[],
): Promise<void> {
  if (imports.length === 0) return;
  await client.query(
    `INSERT INTO imports (source, api, action, file, revision, commit_sha, time, log)
      SELECT i.source, i.api, i.action, i.file, $1, i.commit_sha, $2, i.log
      FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
        WITH ORDINALITY AS i (source, api, action, file, commit_sha, log, n)
      ORDER BY i.n`,
    [
      revision,
      time,
      column(imports, (i) => i.source),
      column(imports, (i) => i.api),
      column(imports, (i) => i.action),
      column(imports, (i) => i.file),
      column(imports, (i) => i.commit),
      column(imports, (i) => i.log),
    ],
  );
}
