/**
 * Reads of the reconciled state on PostgreSQL: the statements, the mapping of their rows to records
 * (JSON text parsed as SQLite's store parses it, so both return equal records), and the reader that
 * serves the Store (on the pool: committed state only) and is extended by an open transaction (on its
 * client, so that it sees its own writes).
 */
import type { CommitInfo, ResourceKind, StoredResource } from "../../model/resources.ts";
import type { AuditRecord, ImportRecord, RevisionRecord, StoreReader } from "../resources.ts";
import type { Row } from "./database.ts";

export const RESOURCE_COLUMNS = "kind, id, props, managed_by, commit_sha, created_revision, updated_revision";
export const AUDIT_COLUMNS = "revision, actor, commit_sha, kind, id, before_props, after_props, time";
const IMPORT_COLUMNS = "id, source, api, action, file, revision, commit_sha, time, log";
export const REVISION_COLUMNS = "revision, actor, commit_info, time, summary";

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

const parseJson = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));

export function toResource(row: Row): StoredResource {
  const resource = {
    kind: row[0],
    id: row[1],
    props: JSON.parse(row[2] as string),
    managedBy: row[3],
    createdRevision: row[5],
    updatedRevision: row[6],
  } as StoredResource;
  if (row[4] !== null) resource.commit = row[4] as string;
  return resource;
}

function toAudit(row: Row): AuditRecord {
  const record: AuditRecord = {
    revision: row[0] as number,
    actor: row[1] as string,
    kind: row[3] as ResourceKind,
    id: row[4] as string,
    before: parseJson(row[5]),
    after: parseJson(row[6]),
    time: row[7] as string,
  };
  if (row[2] !== null) record.commit = row[2] as string;
  return record;
}

function toImport(row: Row): ImportRecord {
  const record: ImportRecord = {
    id: row[0] as number,
    source: row[1] as string,
    api: row[2] as string,
    action: row[3] as ImportRecord["action"],
    file: JSON.parse(row[4] as string),
    revision: row[5] as number,
    time: row[7] as string,
    log: JSON.parse(row[8] as string),
  };
  if (row[6] !== null) record.commit = row[6] as string;
  return record;
}

function toRevision(row: Row): RevisionRecord {
  const record: RevisionRecord = {
    revision: row[0] as number,
    actor: row[1] as string,
    time: row[3] as string,
    summary: JSON.parse(row[4] as string),
  };
  if (row[2] !== null) record.commit = JSON.parse(row[2] as string) as CommitInfo;
  return record;
}

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
