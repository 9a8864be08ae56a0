/**
 * The reconciled state on PostgreSQL: the Store's resource reads (on the pool) and its one way to write
 * them, the transaction (on one pooled client).
 *
 * Order and lock. A transaction starts with `SELECT revision FROM meta WHERE id = 1 FOR UPDATE`: that
 * row lock orders applies across replicas (a second apply waits for the first's end, at most
 * busyTimeoutMs: lock_timeout, then StoreLockedError), and the revision it reads under the lock is the
 * one checked against `expectedRevision` (StaleRevisionError), so of two applies against one revision
 * exactly one commits. Applies of one process also queue in process (`enqueue`), in call order, so that
 * they do not hold several pool clients waiting on one lock. The commit writes the revision row, bumps
 * `meta` and runs `pg_notify('scopectl_changes', 'revision')`, which PostgreSQL delivers at COMMIT; any
 * error rolls everything back, and a client killed mid-apply (SIGKILL) leaves nothing behind: the
 * server rolls back a transaction whose connection is gone.
 *
 * Buffering. Puts and removes are buffered and written in batches (resource-writes.ts). The audit's
 * `before`, the create/update counts and the sign-ins a write ends are all decided when a batch is
 * written, replaying its operations in order over the rows they touch (read in one statement), so the
 * result is what SQLite's row-at-a-time writes give. Reads inside the transaction see its writes: `get`
 * of a key with buffered writes, and every list, audit or import read, first writes the buffer. `get`
 * of other keys is answered from what the transaction has read or written already, and once a
 * transaction has missed 16 times on one kind (a provider's create asks whether each row is there), it
 * reads that kind's ids at once and answers "not there" without a query. No other writer can change
 * `resources` meanwhile: every writer holds the `meta` lock.
 *
 * A difference from SQLite: removing a row that is not there is found when the batch is written (at
 * the next read or the commit), not by the call itself; the transaction fails all the same, and a
 * batch that failed fails every later call of the transaction (nothing of it is committed).
 */
import type pg from "pg";
import type { ResourceKind, StoredResource } from "../../model/resources.ts";
import { checkKind } from "../checks.ts";
import { REVISION_COLUMNS, toResource } from "../records.ts";
import {
  type AuditRecord,
  type ImportRecord,
  ResourceExistsError,
  type ResourceStore,
  type RevisionRecord,
  StaleRevisionError,
  type StoreTransaction,
  type TransactionOptions,
  type WriteContext,
} from "../resources.ts";
import { type EndedSignIns, signInsEndedBy } from "../sign-in-rules.ts";
import { CHANGES_CHANNEL, type PostgresDatabase, rows } from "./database.ts";
import { PostgresReader } from "./resource-reads.ts";
import {
  type AuditRow,
  BATCH_SIZE,
  type ImportRow,
  type ResourceRow,
  readIds,
  readRows,
  writeAudit,
  writeImports,
  writeRows,
} from "./resource-writes.ts";

/** Applies, on the transaction's client, what a batch's writes ended (in the order they ended them). */
export type EndSignIns = (client: pg.PoolClient, ended: EndedSignIns[], time: string) => Promise<void>;

/** Point-read misses on one kind after which a transaction reads the kind's ids at once. */
const MISSES_BEFORE_READING_IDS = 16;

type Operation =
  | { op: "put"; kind: string; id: string; after: string; actor: string; ctx: WriteContext }
  | { op: "remove"; kind: string; id: string; actor: string; ctx: WriteContext };

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`;

/** One open transaction on one client; unusable once it has committed or rolled back. */
class PostgresTransaction extends PostgresReader implements StoreTransaction {
  #open = true;
  #failed: unknown;
  readonly counts = { create: 0, update: 0, delete: 0 };
  /** The rows as this transaction sees them, for keys it has read or written (null: not there). */
  readonly #rows = new Map<string, ResourceRow | null>();
  /** Every id of a kind, when read at once (kept up to date by each batch). */
  readonly #ids = new Map<string, Set<string>>();
  readonly #misses = new Map<string, number>();
  #pending: Operation[] = [];
  readonly #pendingKeys = new Set<string>();
  #imports: ImportRow[] = [];
  #writing: Promise<void> | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly endSignIns: EndSignIns,
    /** The revision this transaction started from, and the one it commits as. */
    private readonly current: number,
    private readonly next: number,
    private readonly time: string,
    private readonly ctx: WriteContext,
  ) {
    super((text, values) => rows(client, text, values));
  }

  /** Throws when the transaction has ended, or a batch of it failed. */
  #check(): void {
    if (!this.#open) throw new Error("the store transaction has already ended");
    if (this.#failed !== undefined) throw this.#failed;
  }

  end(): void {
    this.#open = false;
  }

  /** Before a read: every buffered write is in the database, for the read to see it. */
  async #beforeRead(): Promise<void> {
    this.#check();
    await this.flush();
  }

  override async revision(): Promise<number> {
    this.#check();
    return this.current;
  }
  override async list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]> {
    await this.#beforeRead();
    return super.list(kind);
  }
  override async listAll(): Promise<StoredResource[]> {
    await this.#beforeRead();
    return super.listAll();
  }
  override async imports(source?: string): Promise<ImportRecord[]> {
    await this.#beforeRead();
    return super.imports(source);
  }
  override async revisions(limit?: number): Promise<RevisionRecord[]> {
    this.#check();
    return super.revisions(limit);
  }
  override async audit(revision?: number): Promise<AuditRecord[]> {
    await this.#beforeRead();
    return super.audit(revision);
  }

  override async get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined> {
    this.#check();
    const key = keyOf(kind, id);
    if (this.#pendingKeys.has(key) || this.#writing) await this.flush();
    const known = this.#rows.get(key);
    if (known !== undefined) return known === null ? undefined : (toResource(known) as StoredResource<K>);
    if (await this.#absent(kind, id)) {
      this.#rows.set(key, null);
      return undefined;
    }
    const [row] = await readRows(this.client, [[kind, id]]);
    this.#rows.set(key, (row as ResourceRow | undefined) ?? null);
    return row ? (toResource(row) as StoredResource<K>) : undefined;
  }

  /** True when the kind's ids are known and `id` is not one of them; counts misses towards reading them. */
  async #absent(kind: string, id: string): Promise<boolean> {
    let ids = this.#ids.get(kind);
    if (ids === undefined) {
      const misses = (this.#misses.get(kind) ?? 0) + 1;
      this.#misses.set(kind, misses);
      if (misses < MISSES_BEFORE_READING_IDS) return false;
      ids = await readIds(this.client, kind);
      this.#ids.set(kind, ids);
    }
    return !ids.has(id);
  }

  async put(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void> {
    this.#check();
    checkKind(kind);
    const after = JSON.stringify(props);
    if (after === undefined) throw new Error(`${kind} "${id}": props must be JSON`);
    await this.#buffer({ op: "put", kind, id, after, actor: ctx.actor, ctx });
  }

  async insert(kind: ResourceKind, id: string, props: unknown, ctx: WriteContext): Promise<void> {
    // get() answers a miss from the kind's ids once they are read, without a round trip per row.
    if (await this.get(kind, id)) throw new ResourceExistsError(kind, id);
    await this.put(kind, id, props, ctx);
  }

  async remove(kind: ResourceKind, id: string, ctx: WriteContext): Promise<void> {
    this.#check();
    await this.#buffer({ op: "remove", kind, id, actor: ctx.actor, ctx });
  }

  /** Records an import; without its own `commit`, the transaction's commit is recorded. */
  async addImport(record: Omit<ImportRecord, "id" | "revision" | "time">): Promise<void> {
    this.#check();
    this.#imports.push({
      source: record.source,
      api: record.api,
      action: record.action,
      file: JSON.stringify(record.file),
      commit: record.commit ?? this.ctx.commit?.sha ?? null,
      log: JSON.stringify(record.log),
    });
  }

  async #buffer(operation: Operation): Promise<void> {
    this.#pending.push(operation);
    this.#pendingKeys.add(keyOf(operation.kind, operation.id));
    if (this.#pending.length >= BATCH_SIZE) await this.flush();
  }

  /** Writes the buffer (one batch at a time: a call during a batch waits for it, then writes the rest). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    this.#check();
    if (this.#pending.length === 0 && this.#imports.length === 0) return;
    this.#writing = this.#write().finally(() => {
      this.#writing = undefined;
    });
    await this.#writing;
  }

  async #write(): Promise<void> {
    const operations = this.#pending;
    const imports = this.#imports;
    this.#pending = [];
    this.#imports = [];
    try {
      await this.#resolve(operations);
      const { present, removed, audit, ended } = this.#replay(operations);
      this.#pendingKeys.clear();
      // The rows first, then what they ended: a sign-in write holding one of these rows (createGrant's
      // FOR SHARE of its user) makes the upsert wait for its commit, and the revocations, a statement of
      // their own with a snapshot taken after that wait, then see the grant it stored.
      await writeRows(this.client, present, removed);
      await writeAudit(this.client, this.next, this.time, audit);
      await writeImports(this.client, this.next, this.time, imports);
      if (ended.length > 0) await this.endSignIns(this.client, ended, this.time);
    } catch (error) {
      this.#failed = error;
      throw error;
    }
  }

  /** Reads, in one statement, the rows of the keys the operations touch that the transaction has not seen. */
  async #resolve(operations: Operation[]): Promise<void> {
    const unknown = new Map<string, [string, string]>();
    for (const { kind, id } of operations) {
      const key = keyOf(kind, id);
      if (this.#rows.has(key) || unknown.has(key)) continue;
      const ids = this.#ids.get(kind);
      if (ids !== undefined && !ids.has(id)) this.#rows.set(key, null);
      else unknown.set(key, [kind, id]);
    }
    if (unknown.size === 0) return;
    const found = await readRows(this.client, [...unknown.values()]);
    for (const [key] of unknown) this.#rows.set(key, null);
    for (const row of found) this.#rows.set(keyOf(row[0] as string, row[1] as string), row as ResourceRow);
  }

  /** Applies the operations, in order, to the rows in memory: what to write, and what it ended. */
  #replay(operations: Operation[]) {
    const dirty = new Map<string, { kind: string; id: string; row: ResourceRow | null }>();
    const audit: AuditRow[] = [];
    const ended: EndedSignIns[] = [];
    for (const operation of operations) {
      const { kind, id } = operation;
      const key = keyOf(kind, id);
      const existing = this.#rows.get(key) ?? null;
      const before = existing === null ? null : existing[2];
      const commit = operation.ctx.commit?.sha ?? null;
      let row: ResourceRow | null;
      if (operation.op === "put") {
        row = [
          kind,
          id,
          operation.after,
          operation.ctx.managedBy,
          commit,
          existing?.[5] ?? this.next,
          this.next,
        ];
        this.counts[existing === null ? "create" : "update"]++;
      } else {
        if (existing === null) throw new Error(`cannot remove ${kind} "${id}": it is not in the store`);
        row = null;
        this.counts.delete++;
      }
      this.#rows.set(key, row);
      dirty.set(key, { kind, id, row });
      // The props as stored: the rule runs when the batch is written, and the caller may have changed
      // its object since the put.
      const after = row === null ? undefined : JSON.parse(row[2]);
      const readBefore = () => (before === null ? undefined : JSON.parse(before));
      const endedHere = signInsEndedBy(kind as ResourceKind, id, readBefore, after);
      if (endedHere !== undefined) ended.push(endedHere);
      audit.push({ actor: operation.actor, commit, kind, id, before, after: row === null ? null : row[2] });
    }
    const present: ResourceRow[] = [];
    const removed: [string, string][] = [];
    for (const { kind, id, row } of dirty.values()) {
      const ids = this.#ids.get(kind);
      if (row === null) {
        removed.push([kind, id]);
        ids?.delete(id);
      } else {
        present.push(row);
        ids?.add(id);
      }
    }
    return { present, removed, audit, ended };
  }

  /** Before COMMIT: the last batch, and a refusal if any batch failed. */
  async finish(): Promise<void> {
    await this.flush();
    this.#check();
  }
}

/** The Store's resource reads (on the pool) and its transactions (each on one pooled client). */
export class PostgresResources extends PostgresReader implements ResourceStore {
  readonly #db: PostgresDatabase;
  readonly #endSignIns: EndSignIns;

  constructor(db: PostgresDatabase, endSignIns: EndSignIns) {
    super((text, values) => db.query(text, values));
    this.#db = db;
    this.#endSignIns = endSignIns;
  }

  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    return this.#db.enqueue(() => this.#db.transaction((client) => this.#run(client, fn, options)));
  }

  async #run<T>(
    client: pg.PoolClient,
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    const [row] = await rows(client, "SELECT revision FROM meta WHERE id = 1 FOR UPDATE");
    const current = row?.[0] as number;
    if (options.expectedRevision !== undefined && options.expectedRevision !== current) {
      throw new StaleRevisionError(options.expectedRevision, current);
    }
    const next = current + 1;
    const time = new Date().toISOString();
    const { ctx } = options;
    const tx = new PostgresTransaction(client, this.#endSignIns, current, next, time, ctx);
    try {
      const result = await fn(tx);
      await tx.finish();
      // One statement: the revision row, the counter, and the notification COMMIT delivers.
      await client.query(
        `WITH bumped AS (UPDATE meta SET revision = $1 WHERE id = 1),
          added AS (INSERT INTO revisions (${REVISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5))
        SELECT pg_notify('${CHANGES_CHANNEL}', 'revision')`,
        [
          next,
          ctx.actor,
          ctx.commit ? JSON.stringify(ctx.commit) : null,
          time,
          JSON.stringify(options.summary ?? tx.counts),
        ],
      );
      return { result, revision: next };
    } finally {
      tx.end();
    }
  }
}
