/**
 * Reads of the reconciled state on PostgreSQL: the statements (their rows map to records in
 * ../records.ts, shared with SQLite, so both return equal records), and the reader that
 * serves the Store (on the pool: committed state only) and is extended by an open transaction (on its
 * client, so that it sees its own writes).
 */
import type { ResourceKind, StoredResource } from "../../model/resources.ts";
import {
  AUDIT_COLUMNS,
  IMPORT_COLUMNS,
  RESOURCE_COLUMNS,
  REVISION_COLUMNS,
  toAudit,
  toImport,
  toResource,
  toRevision,
} from "../records.ts";
import type { AuditRecord, ImportRecord, RevisionRecord, StoreReader } from "../resources.ts";
import type { Row } from "./database.ts";

export const SQL = {
  revision: "SELECT revision FROM meta WHERE id = 1",
  get: `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = $1 AND id = $2`,
  list: `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = $1 ORDER BY id`,
  listAll: `SELECT ${RESOURCE_COLUMNS} FROM resources ORDER BY kind, id`,
  importsAll: `SELECT ${IMPORT_COLUMNS} FROM imports ORDER BY id DESC`,
  importsOf: `SELECT ${IMPORT_COLUMNS} FROM imports WHERE source = $1 ORDER BY id DESC`,
  // LIMIT NULL is no limit (SQLite's LIMIT -1).
  revisions: `SELECT ${REVISION_COLUMNS} FROM revisions ORDER BY revision DESC LIMIT $1`,
  auditAll: `SELECT ${AUDIT_COLUMNS} FROM audit ORDER BY seq`,
  auditOf: `SELECT ${AUDIT_COLUMNS} FROM audit WHERE revision = $1 ORDER BY seq`,
} as const;

/** Runs one statement where the reader reads (the pool, or a transaction's client). */
export type RunQuery = (text: string, values?: unknown[]) => Promise<Row[]>;

/** Reads through `run`; a subclass decides where they run and whether it may still be used. */
export class PostgresReader implements StoreReader {
  constructor(protected readonly run: RunQuery) {}

  async revision(): Promise<number> {
    const [row] = await this.run(SQL.revision);
    return row?.[0] as number;
  }

  async list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]> {
    return (await this.run(SQL.list, [kind])).map(toResource) as StoredResource<K>[];
  }

  /** Every resource, ordered by kind, then id. */
  async listAll(): Promise<StoredResource[]> {
    return (await this.run(SQL.listAll)).map(toResource);
  }

  async get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined> {
    const [row] = await this.run(SQL.get, [kind, id]);
    return row ? (toResource(row) as StoredResource<K>) : undefined;
  }

  async imports(source?: string): Promise<ImportRecord[]> {
    const found =
      source === undefined ? await this.run(SQL.importsAll) : await this.run(SQL.importsOf, [source]);
    return found.map(toImport);
  }

  async revisions(limit?: number): Promise<RevisionRecord[]> {
    const bounded = limit === undefined || limit < 0 ? null : limit;
    return (await this.run(SQL.revisions, [bounded])).map(toRevision);
  }

  /** Audit rows of one revision (or all), in the order they were written. */
  async audit(revision?: number): Promise<AuditRecord[]> {
    const found =
      revision === undefined ? await this.run(SQL.auditAll) : await this.run(SQL.auditOf, [revision]);
    return found.map(toAudit);
  }
}
