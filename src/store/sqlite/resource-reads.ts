/**
 * Reads of the reconciled state on SQLite: the prepared statements (their rows map to records in
 * ../records.ts, shared with PostgreSQL), and the reader that serves both the Store (on the reader connection) and an open transaction
 * (on the writer connection, so that it sees its own writes).
 */
import type Database from "better-sqlite3";
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
