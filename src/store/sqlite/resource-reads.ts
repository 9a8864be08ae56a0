/**
 * Reads of the reconciled state on SQLite: the prepared statements, the mapping of their rows to
 * records, and the reader that serves both the Store (on the reader connection) and an open transaction
 * (on the writer connection, so that it sees its own writes).
 */
import type Database from "better-sqlite3";
import type { CommitInfo, ResourceKind, StoredResource } from "../../model/resources.ts";
import type { AuditRecord, ImportRecord, RevisionRecord, StoreReader } from "../resources.ts";
import type { Row } from "./database.ts";

export const RESOURCE_COLUMNS = "kind, id, props, managed_by, commit_sha, created_revision, updated_revision";
export const AUDIT_COLUMNS = "revision, actor, commit_sha, kind, id, before_props, after_props, time";
const IMPORT_COLUMNS = "id, source, api, action, file, revision, commit_sha, time, log";
export const REVISION_COLUMNS = "revision, actor, commit_info, time, summary";

/** The read statements, prepared once per connection; rows come back as arrays (`raw`). */
export class ResourceReads {
  readonly revision: Database.Statement<[], number>;
  readonly get: Database.Statement<[string, string], Row>;
  readonly list: Database.Statement<[string], Row>;
  readonly listAll: Database.Statement<[], Row>;
  readonly importsAll: Database.Statement<[], Row>;
  readonly importsOf: Database.Statement<[string], Row>;
  readonly revisions: Database.Statement<[number], Row>;
  readonly auditAll: Database.Statement<[], Row>;
  readonly auditOf: Database.Statement<[number], Row>;

  constructor(db: Database.Database) {
    this.revision = db.prepare<[], number>("SELECT revision FROM meta WHERE id = 1").pluck();
    this.get = db
      .prepare<[string, string], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = ? AND id = ?`)
      .raw();
    this.list = db
      .prepare<[string], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = ? ORDER BY id`)
      .raw();
    this.listAll = db.prepare<[], Row>(`SELECT ${RESOURCE_COLUMNS} FROM resources ORDER BY kind, id`).raw();
    this.importsAll = db.prepare<[], Row>(`SELECT ${IMPORT_COLUMNS} FROM imports ORDER BY id DESC`).raw();
    this.importsOf = db
      .prepare<[string], Row>(`SELECT ${IMPORT_COLUMNS} FROM imports WHERE source = ? ORDER BY id DESC`)
      .raw();
    this.revisions = db
      .prepare<[number], Row>(`SELECT ${REVISION_COLUMNS} FROM revisions ORDER BY revision DESC LIMIT ?`)
      .raw();
    this.auditAll = db.prepare<[], Row>(`SELECT ${AUDIT_COLUMNS} FROM audit ORDER BY seq`).raw();
    this.auditOf = db
      .prepare<[number], Row>(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE revision = ? ORDER BY seq`)
      .raw();
  }
}

const parseJson = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));

function toResource(row: Row): StoredResource {
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

/** Reads on one connection; `check` says whether the reader may still be used. */
export class SqliteReader implements StoreReader {
  constructor(protected readonly read: ResourceReads) {}

  protected check(): void {}

  async revision(): Promise<number> {
    this.check();
    return this.read.revision.get() as number;
  }

  async list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]> {
    this.check();
    return this.read.list.all(kind).map(toResource) as StoredResource<K>[];
  }

  /** Every resource, ordered by kind, then id. */
  async listAll(): Promise<StoredResource[]> {
    this.check();
    return this.read.listAll.all().map(toResource);
  }

  async get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined> {
    this.check();
    const row = this.read.get.get(kind, id);
    return row ? (toResource(row) as StoredResource<K>) : undefined;
  }

  async imports(source?: string): Promise<ImportRecord[]> {
    this.check();
    const rows = source === undefined ? this.read.importsAll.all() : this.read.importsOf.all(source);
    return rows.map(toImport);
  }

  async revisions(limit?: number): Promise<RevisionRecord[]> {
    this.check();
    return this.read.revisions.all(limit ?? -1).map(toRevision);
  }

  /** Audit rows of one revision (or all), in the order they were written. */
  async audit(revision?: number): Promise<AuditRecord[]> {
    this.check();
    const rows = revision === undefined ? this.read.auditAll.all() : this.read.auditOf.all(revision);
    return rows.map(toAudit);
  }
}
