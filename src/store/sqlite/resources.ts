/**
 * The reconciled state on SQLite: the Store's resource reads and its one way to write them, the
 * transaction. A transaction runs on the writer connection under SQLite's write lock, checks the
 * revision before running the caller's writes, writes an audit row per change and a revision row at the
 * end, and commits all of it or nothing. Sign-ins that a write ends are revoked in the same transaction,
 * through the callback the store wires in (the sign-in concern owns those rows).
 */
import type Database from "better-sqlite3";
import type { ResourceKind } from "../../model/resources.ts";
import { checkKind } from "../checks.ts";
import { AUDIT_COLUMNS, RESOURCE_COLUMNS, REVISION_COLUMNS } from "../records.ts";
import {
  type ImportRecord,
  ResourceExistsError,
  type ResourceStore,
  StaleRevisionError,
  type StoreTransaction,
  type TransactionOptions,
  type WriteContext,
} from "../resources.ts";
import { type EndedSignIns, signInsEndedBy } from "../sign-in-rules.ts";
import type { Row, SqliteDatabase } from "./database.ts";
import { ResourceReads, SqliteReader } from "./resource-reads.ts";

/** Applies, on the writer connection and inside the open transaction, what a write ended. */
export type EndSignIns = (ended: EndedSignIns, time: string) => void;

class ResourceWrites {
  /** The current props and created revision of a row, for the audit's `before`. */
  readonly current: Database.Statement<[string, string], Row>;
  readonly insert: Database.Statement<[string, string, string, string, string | null, number, number]>;
  readonly update: Database.Statement<[string, string, string | null, number, string, string]>;
  readonly delete: Database.Statement<[string, string]>;
  readonly audit: Database.Statement<
    [number, string, string | null, string, string, string | null, string | null, string]
  >;
  readonly addImport: Database.Statement<
    [string, string, string, string, number, string | null, string, string]
  >;
  readonly setRevision: Database.Statement<[number]>;
  readonly addRevision: Database.Statement<[number, string, string | null, string, string]>;

  constructor(db: Database.Database) {
    this.current = db
      .prepare<[string, string], Row>("SELECT props FROM resources WHERE kind = ? AND id = ?")
      .raw();
    this.insert = db.prepare(`INSERT INTO resources (${RESOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.update = db.prepare(
      "UPDATE resources SET props = ?, managed_by = ?, commit_sha = ?, updated_revision = ? WHERE kind = ? AND id = ?",
    );
    this.delete = db.prepare("DELETE FROM resources WHERE kind = ? AND id = ?");
    this.audit = db.prepare(`INSERT INTO audit (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.addImport = db.prepare(
      "INSERT INTO imports (source, api, action, file, revision, commit_sha, time, log) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.setRevision = db.prepare("UPDATE meta SET revision = ? WHERE id = 1");
    this.addRevision = db.prepare(`INSERT INTO revisions (${REVISION_COLUMNS}) VALUES (?, ?, ?, ?, ?)`);
  }
}

/** One open transaction on the writer connection; unusable once it has committed or rolled back. */
class SqliteTransaction extends SqliteReader implements StoreTransaction {
  #open = true;
  readonly counts = { create: 0, update: 0, delete: 0 };

  constructor(
    read: ResourceReads,
    private readonly write: ResourceWrites,
    private readonly endSignIns: EndSignIns,
    /** The revision this transaction commits as. */
    private readonly next: number,
    private readonly time: string,
    private readonly ctx: WriteContext,
  ) {
    super(read);
  }

  protected override check(): void {
    if (!this.#open) throw new Error("the store transaction has already ended");
  }

  end(): void {
    this.#open = false;
  }

  async put(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void> {
    this.#write(kind, id, props, ctx, false);
  }

  async insert(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void> {
    this.#write(kind, id, props, ctx, true);
  }

  #write(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext, mustBeNew: boolean): void {
    this.check();
    checkKind(kind);
    const after = JSON.stringify(props);
    if (after === undefined) throw new Error(`${kind} "${id}": props must be JSON`);
    const commit = ctx.commit?.sha ?? null;
    const existing = this.write.current.get(kind, id);
    let before: string | null = null;
    if (existing) {
      if (mustBeNew) throw new ResourceExistsError(kind, id);
      before = existing[0] as string;
      this.write.update.run(after, ctx.managedBy, commit, this.next, kind, id);
      this.counts.update++;
    } else {
      this.write.insert.run(kind, id, after, ctx.managedBy, commit, this.next, this.next);
      this.counts.create++;
    }
    this.#endSignIns(kind, id, before, props);
    this.write.audit.run(this.next, ctx.actor, commit, kind, id, before, after, this.time);
  }

  async remove(kind: ResourceKind, id: string, ctx: WriteContext): Promise<void> {
    this.check();
    const existing = this.write.current.get(kind, id);
    if (!existing) throw new Error(`cannot remove ${kind} "${id}": it is not in the store`);
    this.write.delete.run(kind, id);
    this.#endSignIns(kind, id, existing[0] as string, undefined);
    this.counts.delete++;
    const commit = ctx.commit?.sha ?? null;
    this.write.audit.run(this.next, ctx.actor, commit, kind, id, existing[0] as string, null, this.time);
  }

  /** Ends, in this transaction, the sign-ins the write takes away (`after` undefined: a removal). */
  #endSignIns(kind: ResourceKind, id: string, before: string | null, after: unknown): void {
    const readBefore = () => (before === null ? undefined : JSON.parse(before));
    const ended = signInsEndedBy(kind, id, readBefore, after);
    if (ended !== undefined) this.endSignIns(ended, this.time);
  }

  /** Records an import; without its own `commit`, the transaction's commit is recorded. */
  async addImport(record: Omit<ImportRecord, "id" | "revision" | "time">): Promise<void> {
    this.check();
    this.write.addImport.run(
      record.source,
      record.api,
      record.action,
      JSON.stringify(record.file),
      this.next,
      record.commit ?? this.ctx.commit?.sha ?? null,
      this.time,
      JSON.stringify(record.log),
    );
  }
}

/** The Store's resource reads (on the reader connection) and its transactions (on the writer). */
export class SqliteResources extends SqliteReader implements ResourceStore {
  readonly #db: SqliteDatabase;
  readonly #writerReads: ResourceReads;
  readonly #writes: ResourceWrites;
  readonly #endSignIns: EndSignIns;

  constructor(db: SqliteDatabase, endSignIns: EndSignIns) {
    super(new ResourceReads(db.reader));
    this.#db = db;
    this.#writerReads = new ResourceReads(db.writer);
    this.#writes = new ResourceWrites(db.writer);
    this.#endSignIns = endSignIns;
  }

  protected override check(): void {
    this.#db.assertOpen();
  }

  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    return this.#db.enqueue(() => this.#run(fn, options));
  }

  async #run<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    this.check();
    const db = this.#db;
    await db.begin();
    let tx: SqliteTransaction | undefined;
    try {
      const current = this.#writerReads.revision.get() as number;
      if (options.expectedRevision !== undefined && options.expectedRevision !== current) {
        throw new StaleRevisionError(options.expectedRevision, current);
      }
      const next = current + 1;
      const time = new Date().toISOString();
      tx = new SqliteTransaction(this.#writerReads, this.#writes, this.#endSignIns, next, time, options.ctx);
      const result = await fn(tx);
      tx.end();
      const { ctx } = options;
      this.#writes.setRevision.run(next);
      this.#writes.addRevision.run(
        next,
        ctx.actor,
        ctx.commit ? JSON.stringify(ctx.commit) : null,
        time,
        JSON.stringify(options.summary ?? tx.counts),
      );
      db.commit();
      return { result, revision: next };
    } catch (error) {
      tx?.end();
      db.rollback();
      throw error;
    }
  }
}
