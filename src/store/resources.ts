/**
 * The store's reconciled state: resources, the revisions that changed them, the audit log and the
 * OpenAPI import history. What the manifests (or a Pulumi stack) declare lands here, and only through a
 * transaction: an apply is one transaction, checked against the revision its plan was made from, and
 * each one moves the store revision by one. Backend-neutral: every Store implementation keeps this shape.
 */

import { ScopectlError } from "../core/errors.ts";
import type { CommitInfo, ManagedBy, ResourceKind, StoredResource } from "../model/resources.ts";
import type { ImportLogEntry, SpecFileInfo } from "../model/spec-import.ts";

/** One entry of an OpenApiSource's import history. */
export interface ImportRecord {
  id: number;
  /** The OpenApiSource and its Api. */
  source: string;
  api: string;
  /** `upload`: first import; `replace`: a changed file; `delete`: the source was removed. */
  action: "upload" | "replace" | "delete";
  /** The file imported (for `delete`, the file that was active). */
  file: SpecFileInfo;
  revision: number;
  commit?: string;
  time: string;
  /** What the import did: created, duplicate, skipped-reserved, and `removed` scopes. */
  log: ImportLogItem[];
}

export type ImportLogItem = ImportLogEntry | { action: "removed"; scope: string };

export interface AuditRecord {
  revision: number;
  actor: string;
  commit?: string;
  kind: ResourceKind;
  id: string;
  /** Props before and after (secrets are stored as hashes only; renderers mask them). */
  before: unknown;
  after: unknown;
  time: string;
}

export interface RevisionRecord {
  revision: number;
  actor: string;
  commit?: CommitInfo;
  time: string;
  /** Counts of what the revision changed, e.g. `{create: 3, update: 1, delete: 0}`. */
  summary: Record<string, number>;
}

/** What every write records: who did it and from which commit. */
export interface WriteContext {
  actor: string;
  managedBy: ManagedBy;
  commit?: CommitInfo;
}

/** Reads, shared by the store and an open transaction. */
export interface StoreReader {
  /**
   * The current revision: 0 for an empty store; +1 per applied transaction. Inside a transaction: the
   * revision it started from (its writes carry the next one).
   */
  revision(): Promise<number>;
  list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]>;
  listAll(): Promise<StoredResource[]>;
  get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined>;
  /** Import history of one OpenApiSource (or all), newest first. */
  imports(source?: string): Promise<ImportRecord[]>;
  revisions(limit?: number): Promise<RevisionRecord[]>;
  audit(revision?: number): Promise<AuditRecord[]>;
}

/**
 * Writes happen only inside a transaction; each writes an audit row. A write that takes sign-ins away
 * revokes their grants in the same transaction: a User disabled or removed (whose password is forgotten
 * too), an Application disabled, removed or given another client id. Revoked grants stay revoked.
 */
export interface StoreTransaction extends StoreReader {
  /** Inserts or replaces a resource's props. */
  put(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void>;
  /**
   * Inserts a resource that is not in the store yet; ResourceExistsError when it is. One call rather
   * than a get and a put, so a store can answer both with one read of the row (an apply from empty
   * creates every row: on SQLite, the second lookup per row was about a twentieth of the apply).
   */
  insert(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void>;
  remove(kind: ResourceKind, id: string, ctx: WriteContext): Promise<void>;
  addImport(record: Omit<ImportRecord, "id" | "revision" | "time">): Promise<void>;
}

export interface TransactionOptions {
  ctx: WriteContext;
  expectedRevision?: number;
  summary?: Record<string, number>;
}

/** The reconciled state: its reads, and the one way to write it. */
export interface ResourceStore extends StoreReader {
  /**
   * Runs `fn` in one transaction that holds the store's write lock. When `expectedRevision` is given
   * and the store is elsewhere, throws StaleRevisionError before running `fn`. On success the revision
   * is bumped by one and a RevisionRecord written; if `fn` throws, nothing is kept.
   */
  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }>;
}

export class ResourceExistsError extends ScopectlError {
  static readonly code = "store.exists";
  declare readonly code: typeof ResourceExistsError.code;

  constructor(kind: ResourceKind, id: string) {
    super(ResourceExistsError.code, `${kind} "${id}" already exists in the store`);
    this.name = "ResourceExistsError";
  }
}

export class StaleRevisionError extends ScopectlError {
  static readonly code = "store.stale-revision";
  declare readonly code: typeof StaleRevisionError.code;

  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      StaleRevisionError.code,
      `the store is at revision ${actual}, but the plan was made against revision ${expected}; make a new plan`,
    );
    this.name = "StaleRevisionError";
  }
}
