/**
 * The embedded Store: one SQLite file (better-sqlite3), in WAL mode.
 *
 * Connections. A store holds two connections to its file: a writer, on which every transaction runs
 * (its reads see its own writes), and a reader for the Store's own reads, which in WAL mode see the last
 * committed revision and never wait for a writer. A transaction started while another one of the same
 * store is running waits for it (in order); transactions of other processes are kept apart by SQLite's
 * write lock, which `BEGIN IMMEDIATE` takes before the revision is checked.
 *
 * Durability. `synchronous = FULL`: the WAL is fsynced at every commit, so a committed apply survives a
 * power cut too. `NORMAL` would already make every commit survive a crash of the process (SIGKILL, OOM):
 * in WAL mode a commit is written to the WAL before COMMIT returns and the OS keeps it when the process
 * dies; what NORMAL gives up is the last commits on power loss or a kernel crash (they roll back, the file
 * stays consistent). We pay the one fsync per apply because an apply shows generated secrets once: an
 * apply reported as done must not come undone. Applies are few and large, so the cost is one fsync per
 * apply, not per row. Sign-in writes (grants, codes, refresh tokens) are the exception: they run with
 * `NORMAL` (see `#signInWrite`).
 *
 * Lock waits. Waiting for another process's write lock polls asynchronously (up to `busyTimeoutMs`), so
 * a process that also serves tokens keeps answering while its reconciler waits.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  type ApplicationProps,
  type CommitInfo,
  RESOURCE_KINDS,
  type ResourceKind,
  type StoredResource,
  type UserProps,
} from "../model/resources.ts";
import { migrate } from "./migrations.ts";
import {
  type AddSigningKeyOptions,
  type AuditRecord,
  type AuthorizationCodeRecord,
  type CodeRedemption,
  type GrantRecord,
  type ImportRecord,
  type RefreshRotation,
  type RefreshTokenRecord,
  type RevisionRecord,
  type SigningKeyRecord,
  StaleRevisionError,
  type Store,
  StoreLockedError,
  type StoreReader,
  type StoreTransaction,
  type SyncStatus,
  type WriteContext,
} from "./types.ts";

export interface SqliteStoreOptions {
  /** How long a transaction waits for another process's write lock before it gives up (default 5000). */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The store file: `$SCOPECTL_STORE` (relative to `cwd`) when set, else `<cwd>/.scopectl/store.db`. */
export function defaultStorePath(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SCOPECTL_STORE;
  return fromEnv ? path.resolve(cwd, fromEnv) : path.join(cwd, ".scopectl", "store.db");
}

/** Opens (creating it and its folder if needed) and migrates the SQLite store at `file`. */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const resolved = path.resolve(file);
  mkdirSync(path.dirname(resolved), { recursive: true });
  const writer = openConnection(resolved, busyTimeoutMs);
  let reader: Database.Database | undefined;
  try {
    migrate(writer, resolved);
    reader = openConnection(resolved, busyTimeoutMs);
    reader.pragma("query_only = ON");
    return new SqliteStore(resolved, writer, reader, busyTimeoutMs);
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
}

function openConnection(file: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new Error(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`the file system refused WAL mode (journal_mode is ${String(mode)})`);
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // A large apply grows the WAL; once checkpointed, truncate it back to at most 64 MiB.
    db.pragma("journal_size_limit = 67108864");
    return db;
  } catch (error) {
    db.close();
    if (error instanceof Error && /file is not a database|file is encrypted/i.test(error.message)) {
      throw new Error(`cannot open the store ${file}: it is not an SQLite database`, { cause: error });
    }
    throw new Error(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
}

const KINDS: ReadonlySet<string> = new Set(RESOURCE_KINDS);

const RESOURCE_COLUMNS = "kind, id, props, managed_by, commit_sha, created_revision, updated_revision";
const AUDIT_COLUMNS = "revision, actor, commit_sha, kind, id, before_props, after_props, time";
const IMPORT_COLUMNS = "id, source, api, action, file, revision, commit_sha, time, log";
const REVISION_COLUMNS = "revision, actor, commit_info, time, summary";
const KEY_COLUMNS = "kid, alg, public_jwk, private_key, encrypted, created_at, retired_at, expires_at";
const GRANT_COLUMNS =
  "id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, granted";

type Row = unknown[];

/** The read statements, prepared once per connection; rows come back as arrays (`raw`). */
class ReadStatements {
  readonly revision: Database.Statement<[], number>;
  readonly get: Database.Statement<[string, string], Row>;
  readonly list: Database.Statement<[string], Row>;
  readonly listAll: Database.Statement<[], Row>;
  readonly importsAll: Database.Statement<[], Row>;
  readonly importsOf: Database.Statement<[string], Row>;
  readonly revisions: Database.Statement<[number], Row>;
  readonly auditAll: Database.Statement<[], Row>;
  readonly auditOf: Database.Statement<[number], Row>;
  readonly keysVersion: Database.Statement<[], number>;
  readonly signingKeys: Database.Statement<[], Row>;

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
    this.keysVersion = db.prepare<[], number>("SELECT keys_version FROM meta WHERE id = 1").pluck();
    // rowid breaks ties between keys created in the same millisecond: insertion order.
    this.signingKeys = db
      .prepare<[], Row>(`SELECT ${KEY_COLUMNS} FROM signing_keys ORDER BY created_at, rowid`)
      .raw();
  }
}

class WriteStatements {
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
  readonly activeKeyOf: Database.Statement<[string], number>;
  readonly pruneKeys: Database.Statement<[string]>;
  readonly retireKeys: Database.Statement<[string, string]>;
  readonly insertKey: Database.Statement<
    [string, string, string, string, number, string, string | null, string | null]
  >;
  readonly bumpKeysVersion: Database.Statement<[]>;
  readonly forgetPassword: Database.Statement<[string]>;
  /** Revokes every live grant of a user / of a client id: [now, reason, user or client id]. */
  readonly revokeUserGrants: Database.Statement<[string, string, string]>;
  readonly revokeClientGrants: Database.Statement<[string, string, string]>;

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
    this.activeKeyOf = db
      .prepare<[string], number>("SELECT 1 FROM signing_keys WHERE alg = ? AND retired_at IS NULL LIMIT 1")
      .pluck();
    // julianday() compares instants, whatever ISO 8601 form (offset, precision) a caller wrote.
    this.pruneKeys = db.prepare(
      "DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND julianday(expires_at) <= julianday(?)",
    );
    this.retireKeys = db.prepare(
      "UPDATE signing_keys SET retired_at = ?, expires_at = ? WHERE retired_at IS NULL",
    );
    this.insertKey = db.prepare(`INSERT INTO signing_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.bumpKeysVersion = db.prepare("UPDATE meta SET keys_version = keys_version + 1 WHERE id = 1");
    this.forgetPassword = db.prepare("DELETE FROM user_passwords WHERE user_id = ?");
    // Range scans of the partial indexes of live grants by user and by client (migration 6).
    this.revokeUserGrants = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL",
    );
    this.revokeClientGrants = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE client_id = ? AND revoked_at IS NULL",
    );
  }
}

/**
 * Sign-in reads, prepared once per connection: the reader's serve the Store's `passwordHash` and `grant`,
 * the writer's the reads inside a sign-in write (which must see that transaction's state).
 */
class SignInReads {
  readonly passwordHash: Database.Statement<[string], string>;
  readonly grant: Database.Statement<[string], Row>;
  readonly syncStatus: Database.Statement<[string], string>;

  constructor(db: Database.Database) {
    this.passwordHash = db
      .prepare<[string], string>("SELECT hash FROM user_passwords WHERE user_id = ?")
      .pluck();
    this.grant = db.prepare<[string], Row>(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`).raw();
    this.syncStatus = db.prepare<[string], string>("SELECT status FROM sync_status WHERE id = ?").pluck();
  }
}

/** Sign-in writes, on the writer connection. */
class SignInWrites {
  readonly setPassword: Database.Statement<[string, string, string]>;
  readonly saveSyncStatus: Database.Statement<[string, string, string]>;
  readonly insertGrant: Database.Statement<
    [
      string,
      string,
      string,
      string,
      string,
      number,
      string | null,
      string,
      string | null,
      string | null,
      string,
      string,
      string,
    ]
  >;
  readonly insertCode: Database.Statement<[string, string, string, string, string]>;
  readonly insertRefreshToken: Database.Statement<[string, string, string, string]>;
  /** Raises a grant's prune_after to (at least) a refresh token's expiry. */
  readonly keepGrantUntil: Database.Statement<[string, string]>;
  /** [expired (0/1) at now, grant_id, redirect_uri, code_challenge, expires_at, used_at] of a code. */
  readonly code: Database.Statement<[string, string], Row>;
  readonly useCode: Database.Statement<[string, string]>;
  /** [expired (0/1) at now, grant_id, used_at] of a refresh token. */
  readonly refreshToken: Database.Statement<[string, string], Row>;
  readonly useRefreshToken: Database.Statement<[string, string]>;
  readonly revokeGrant: Database.Statement<[string, string, string]>;
  readonly pruneCodes: Database.Statement<[string]>;
  readonly pruneRefreshTokens: Database.Statement<[string]>;
  readonly pruneGrants: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.setPassword = db.prepare(
      "INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
    );
    this.saveSyncStatus = db.prepare(
      "INSERT INTO sync_status (id, status, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
    );
    // prune_after: a day after creation, or an hour after the code expires, whichever is later.
    this.insertGrant = db.prepare(
      `INSERT INTO grants (${GRANT_COLUMNS}, prune_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, max(julianday(?) + 1, julianday(?) + 1.0 / 24))`,
    );
    this.insertCode = db.prepare(
      "INSERT INTO authorization_codes (code_sha256, grant_id, redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.insertRefreshToken = db.prepare(
      "INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    );
    this.keepGrantUntil = db.prepare(
      "UPDATE grants SET prune_after = max(prune_after, julianday(?)) WHERE id = ?",
    );
    // A time julianday() cannot read counts as expired (fail closed); the store refuses such times anyway.
    this.code = db
      .prepare<[string, string], Row>(
        "SELECT coalesce(julianday(expires_at) <= julianday(?), 1), grant_id, redirect_uri, code_challenge, expires_at, used_at FROM authorization_codes WHERE code_sha256 = ?",
      )
      .raw();
    this.useCode = db.prepare("UPDATE authorization_codes SET used_at = ? WHERE code_sha256 = ?");
    this.refreshToken = db
      .prepare<[string, string], Row>(
        "SELECT coalesce(julianday(expires_at) <= julianday(?), 1), grant_id, used_at FROM refresh_tokens WHERE token_sha256 = ?",
      )
      .raw();
    this.useRefreshToken = db.prepare("UPDATE refresh_tokens SET used_at = ? WHERE token_sha256 = ?");
    this.revokeGrant = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
    );
    // The three prunes are range scans of the expiry / prune_after indexes (the WHERE clauses repeat the
    // indexed expressions exactly), so each visits only rows it deletes or nearly does; the NOT EXISTS
    // checks are one grant_id index probe each, per candidate grant.
    this.pruneCodes = db.prepare(
      "DELETE FROM authorization_codes WHERE julianday(expires_at) < julianday(?) - 1.0 / 24",
    );
    this.pruneRefreshTokens = db.prepare(
      "DELETE FROM refresh_tokens WHERE julianday(expires_at) <= julianday(?)",
    );
    this.pruneGrants = db.prepare(
      `DELETE FROM grants WHERE prune_after < julianday(?)
        AND NOT EXISTS (SELECT 1 FROM authorization_codes WHERE grant_id = grants.id)
        AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE grant_id = grants.id)`,
    );
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

function toSigningKey(row: Row): SigningKeyRecord {
  const record: SigningKeyRecord = {
    kid: row[0] as string,
    alg: row[1] as SigningKeyRecord["alg"],
    publicJwk: JSON.parse(row[2] as string),
    privateKey: row[3] as string,
    encrypted: row[4] === 1,
    createdAt: row[5] as string,
  };
  if (row[6] !== null) record.retiredAt = row[6] as string;
  if (row[7] !== null) record.expiresAt = row[7] as string;
  return record;
}

function toGrant(row: Row): GrantRecord {
  const grant: GrantRecord = {
    id: row[0] as string,
    clientId: row[1] as string,
    userId: row[2] as string,
    scopes: JSON.parse(row[3] as string),
    audiences: JSON.parse(row[4] as string),
    // NULL only in a grant from before migration 5, which revoked it: it grants nothing.
    granted: row[10] === null ? { openIdScopes: [], audiences: [] } : JSON.parse(row[10] as string),
    authTime: row[5] as number,
    createdAt: row[7] as string,
  };
  if (row[6] !== null) grant.nonce = row[6] as string;
  if (row[8] !== null) grant.revokedAt = row[8] as string;
  if (row[9] !== null) grant.revokedReason = row[9] as string;
  return grant;
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** Refuses a grant ceiling of the wrong shape: read back, it would grant what no sign-in granted. */
function checkGranted(granted: GrantRecord["granted"]): void {
  const ok =
    typeof granted === "object" &&
    granted !== null &&
    isStringList(granted.openIdScopes) &&
    Array.isArray(granted.audiences) &&
    granted.audiences.every((a) => typeof a?.audience === "string" && isStringList(a.scopes));
  if (!ok) {
    throw new Error(
      "the grant's granted access must be {openIdScopes: string[], audiences: [{audience, scopes: string[]}]}",
    );
  }
}

/** Refuses a time SQLite's julianday() could not compare (it would make pruning silently wrong). */
function checkTime(name: string, value: string): void {
  if (Number.isNaN(Date.parse(value))) throw new Error(`${name} must be an ISO 8601 time, not "${value}"`);
}

/**
 * A sign-in time: besides checkTime, it must be the ISO 8601 form that Date.parse and julianday() read
 * alike (date, `T`, time, and `Z` or an offset). Without a zone, Date.parse reads local time and
 * julianday() UTC; a form julianday() cannot read would make a code or token never expire.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

function checkSignInTime(name: string, value: string): void {
  if (typeof value !== "string" || !ISO_TIME.test(value)) {
    throw new Error(`${name} must be an ISO 8601 time, not "${value}"`);
  }
  checkTime(name, value);
}

function checkKind(kind: string): void {
  if (!KINDS.has(kind)) throw new Error(`unknown resource kind "${kind}"`);
}

/** Reads on one connection. */
class SqliteReader implements StoreReader {
  constructor(protected readonly read: ReadStatements) {}

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

/** One open transaction on the writer connection; unusable once it has committed or rolled back. */
class SqliteTransaction extends SqliteReader implements StoreTransaction {
  #open = true;
  readonly counts = { create: 0, update: 0, delete: 0 };

  constructor(
    read: ReadStatements,
    private readonly write: WriteStatements,
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
    this.check();
    checkKind(kind);
    const after = JSON.stringify(props);
    if (after === undefined) throw new Error(`${kind} "${id}": props must be JSON`);
    const commit = ctx.commit?.sha ?? null;
    const existing = this.write.current.get(kind, id);
    let before: string | null = null;
    if (existing) {
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
    // A password belongs to its user: a user removed and later declared again under the same name
    // must not sign in with the old one.
    if (kind === "User") this.write.forgetPassword.run(id);
    this.#endSignIns(kind, id, existing[0] as string, undefined);
    this.counts.delete++;
    const commit = ctx.commit?.sha ?? null;
    this.write.audit.run(this.next, ctx.actor, commit, kind, id, existing[0] as string, null, this.time);
  }

  /**
   * Ends, in this transaction, the sign-ins a write takes away: those of a User disabled or removed, and
   * those at an Application disabled, removed or given another client id. Revoked grants stay revoked,
   * so a user or application enabled again, or declared again under the same name (perhaps another
   * person), starts without them; and since the change and the revocations commit together, whichever
   * writer makes the change (apply, sync, Pulumi), no token of the old sign-ins outlives it. `after` is
   * undefined for a removal.
   */
  #endSignIns(kind: ResourceKind, id: string, before: string | null, after: unknown): void {
    const revoke = (statement: Database.Statement<[string, string, string]>, reason: string, key: string) =>
      statement.run(this.time, reason, key);
    if (kind === "User") {
      if (after === undefined) revoke(this.write.revokeUserGrants, "user removed", id);
      else if ((after as Partial<UserProps>).disabled === true) {
        revoke(this.write.revokeUserGrants, "user disabled", id);
      }
    } else if (kind === "Application") {
      const was = before === null ? undefined : (JSON.parse(before) as Partial<ApplicationProps>).clientId;
      const app = after as Partial<ApplicationProps> | undefined;
      if (app === undefined) {
        if (was !== undefined) revoke(this.write.revokeClientGrants, "application removed", was);
        return;
      }
      if (was !== undefined && was !== app.clientId) {
        revoke(this.write.revokeClientGrants, "application's client id changed", was);
      }
      if (app.disabled === true && typeof app.clientId === "string") {
        revoke(this.write.revokeClientGrants, "application disabled", app.clientId);
      }
    }
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

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class SqliteStore extends SqliteReader implements Store {
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #writerReads: ReadStatements;
  readonly #writes: WriteStatements;
  readonly #signInReads: SignInReads;
  readonly #writerSignInReads: SignInReads;
  readonly #signInWrites: SignInWrites;
  /** Transactions of this store run one after the other: each waits for the previous one's end. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    readonly file: string,
    writer: Database.Database,
    reader: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {
    super(new ReadStatements(reader));
    this.#writer = writer;
    this.#reader = reader;
    this.#writerReads = new ReadStatements(writer);
    this.#writes = new WriteStatements(writer);
    this.#signInReads = new SignInReads(reader);
    this.#writerSignInReads = new SignInReads(writer);
    this.#signInWrites = new SignInWrites(writer);
  }

  protected override check(): void {
    if (this.#closed) throw new Error(`the store ${this.file} is closed`);
  }

  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: { ctx: WriteContext; expectedRevision?: number; summary?: Record<string, number> },
  ): Promise<{ result: T; revision: number }> {
    if (this.#closing) return Promise.reject(new Error(`the store ${this.file} is closed`));
    const run = this.#queue.then(() => this.#run(fn, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: { ctx: WriteContext; expectedRevision?: number; summary?: Record<string, number> },
  ): Promise<{ result: T; revision: number }> {
    this.check();
    await this.#begin();
    const writer = this.#writer;
    let tx: SqliteTransaction | undefined;
    try {
      const current = this.#writerReads.revision.get() as number;
      if (options.expectedRevision !== undefined && options.expectedRevision !== current) {
        throw new StaleRevisionError(options.expectedRevision, current);
      }
      const next = current + 1;
      const time = new Date().toISOString();
      tx = new SqliteTransaction(this.#writerReads, this.#writes, next, time, options.ctx);
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
      writer.exec("COMMIT");
      return { result, revision: next };
    } catch (error) {
      tx?.end();
      this.#rollback();
      throw error;
    }
  }

  #rollback(): void {
    if (!this.#writer.inTransaction) return;
    try {
      this.#writer.exec("ROLLBACK");
    } catch {
      // SQLite may already have rolled back (e.g. after an I/O error); the first error is the news.
    }
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    this.check();
    return this.read.signingKeys.all().map(toSigningKey);
  }

  async keysVersion(): Promise<number> {
    this.check();
    return this.read.keysVersion.get() as number;
  }

  /**
   * Runs on the writer connection, queued behind this store's transactions and under SQLite's write
   * lock (so that the onlyIfNoActive check and the insert see the same keys in every process), but
   * without a revision: keys are not manifest resources.
   */
  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    if (this.#closing) return Promise.reject(new Error(`the store ${this.file} is closed`));
    const run = this.#queue.then(() => this.#addSigningKey(key, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    this.check();
    checkTime("now", options.now);
    checkTime("retireUntil", options.retireUntil);
    checkTime("the key's createdAt", key.createdAt);
    const publicJwk = JSON.stringify(key.publicJwk);
    await this.#begin();
    try {
      const writes = this.#writes;
      if (options.onlyIfNoActive !== undefined && writes.activeKeyOf.get(options.onlyIfNoActive) === 1) {
        this.#writer.exec("ROLLBACK");
        return false;
      }
      // Prune first: the keys retired below expire in the future and must survive this call.
      writes.pruneKeys.run(options.now);
      writes.retireKeys.run(options.now, options.retireUntil);
      writes.insertKey.run(
        key.kid,
        key.alg,
        publicJwk,
        key.privateKey,
        key.encrypted ? 1 : 0,
        key.createdAt,
        key.retiredAt ?? null,
        key.expiresAt ?? null,
      );
      writes.bumpKeysVersion.run();
      this.#writer.exec("COMMIT");
      return true;
    } catch (error) {
      this.#rollback();
      throw error;
    }
  }

  /**
   * Runs `fn` (synchronous: nothing else may run on the writer meanwhile) in one write transaction, queued
   * behind this store's transactions and under SQLite's write lock like addSigningKey, without a revision
   * or audit rows: sign-in state is not a manifest resource.
   *
   * Durability: `NORMAL` by default, restored to `FULL` afterwards. These writes happen per sign-in and
   * per token request, so an fsync each would put the disk's flush latency on every token request and
   * serialize them behind it. In WAL mode NORMAL still keeps every commit through a crash of the process;
   * only a power cut or kernel crash can roll back the last few, leaving the file consistent. For sign-in
   * state that costs little and tells no one anything false for good: a lost grant or code means signing
   * in again, a lost rotation means the client's newest refresh token is unknown (sign in again) or its
   * previous one usable once more. An apply is different (see the file's head): it reports generated
   * secrets and a revision to a person once, so it pays for FULL. `setPassword` is such a report too
   * ("password set"), and rare, so it passes `FULL`.
   */
  #signInWrite<T>(fn: () => T, synchronous: "NORMAL" | "FULL" = "NORMAL"): Promise<T> {
    if (this.#closing) return Promise.reject(new Error(`the store ${this.file} is closed`));
    const run = this.#queue.then(async () => {
      this.check();
      const writer = this.#writer;
      // Set outside the transaction (SQLite reads it at COMMIT; it is per connection).
      writer.pragma(`synchronous = ${synchronous}`);
      try {
        await this.#begin();
        try {
          const result = fn();
          writer.exec("COMMIT");
          return result;
        } catch (error) {
          this.#rollback();
          throw error;
        }
      } finally {
        writer.pragma("synchronous = FULL");
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The grant as this sign-in write sees it (it exists: codes and tokens reference it). */
  #grantInWrite(grantId: string): GrantRecord {
    const row = this.#writerSignInReads.grant.get(grantId);
    if (!row) throw new Error(`the store has no grant "${grantId}"`);
    return toGrant(row);
  }

  /**
   * A new password ends the user's sign-ins, in the same write (OWASP Session Management: renew or end
   * sessions on a password change): whoever held the old password, or a token got with it, keeps none.
   */
  async setPassword(userId: string, hash: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    if (!hash) throw new Error("a password hash must not be empty");
    await this.#signInWrite(() => {
      this.#signInWrites.setPassword.run(userId, hash, now);
      this.#writes.revokeUserGrants.run(now, "password changed", userId);
    }, "FULL");
  }

  async syncStatus(id = "default"): Promise<SyncStatus | undefined> {
    this.check();
    const text = this.#signInReads.syncStatus.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as SyncStatus);
  }

  /** Like sign-in state: beside the resources, no revision; NORMAL durability (the loop rewrites it). */
  async saveSyncStatus(status: SyncStatus, id = "default"): Promise<void> {
    await this.#signInWrite(() => {
      this.#signInWrites.saveSyncStatus.run(id, JSON.stringify(status), new Date().toISOString());
    });
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    this.check();
    return this.#signInReads.passwordHash.get(userId);
  }

  /**
   * Also prunes, as of the grant's createdAt, in the same transaction: codes expired more than an hour
   * ago, refresh tokens past their expiry, and then grants created more than a day ago that have no code
   * and no refresh token left. Sign-ins are what create these rows, so pruning at each one keeps the
   * tables at about the size of the live sessions without a timer; every step is an index range scan.
   */
  async createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    checkSignInTime("the grant's createdAt", grant.createdAt);
    checkSignInTime("the code's expiresAt", code.expiresAt);
    if (grant.revokedAt !== undefined) checkSignInTime("the grant's revokedAt", grant.revokedAt);
    if (code.grantId !== grant.id) {
      throw new Error(`the code belongs to grant "${code.grantId}", not to the new grant "${grant.id}"`);
    }
    if (!Number.isSafeInteger(grant.authTime)) throw new Error("the grant's authTime must be whole seconds");
    checkGranted(grant.granted);
    const scopes = JSON.stringify(grant.scopes);
    const audiences = JSON.stringify(grant.audiences);
    await this.#signInWrite(() => {
      const writes = this.#signInWrites;
      const now = grant.createdAt;
      writes.pruneCodes.run(now);
      writes.pruneRefreshTokens.run(now);
      writes.pruneGrants.run(now);
      // The login checked the user against the server's snapshot, which may lag an apply that disabled
      // or removed the user (and revoked their grants): the store's row decides, under the write lock.
      const gone = this.#userGone(grant.userId);
      const revokedAt = grant.revokedAt ?? (gone === undefined ? null : now);
      const revokedReason = grant.revokedReason ?? gone ?? null;
      writes.insertGrant.run(
        grant.id,
        grant.clientId,
        grant.userId,
        scopes,
        audiences,
        grant.authTime,
        grant.nonce ?? null,
        grant.createdAt,
        revokedAt,
        revokedReason,
        JSON.stringify({
          openIdScopes: grant.granted.openIdScopes,
          audiences: grant.granted.audiences.map(({ audience, scopes }) => ({ audience, scopes })),
        }),
        grant.createdAt,
        code.expiresAt,
      );
      writes.insertCode.run(
        code.codeSha256,
        code.grantId,
        code.redirectUri,
        code.codeChallenge,
        code.expiresAt,
      );
    });
  }

  /** Why the store's row of a user lets it sign in no more (removed, disabled), or undefined. */
  #userGone(userId: string): string | undefined {
    const row = this.#writes.current.get("User", userId);
    if (!row) return "user removed";
    return (JSON.parse(row[0] as string) as Partial<UserProps>).disabled === true
      ? "user disabled"
      : undefined;
  }

  async redeemCode(codeSha256: string, now: string): Promise<CodeRedemption> {
    checkSignInTime("now", now);
    return this.#signInWrite((): CodeRedemption => {
      const writes = this.#signInWrites;
      const row = writes.code.get(now, codeSha256);
      if (!row) return { status: "unknown" };
      const grant = this.#grantInWrite(row[1] as string);
      if (grant.revokedAt !== undefined) return { status: "revoked" };
      if (row[5] !== null) {
        writes.revokeGrant.run(now, "authorization code reused", grant.id);
        return { status: "reused", grant: this.#grantInWrite(grant.id) };
      }
      if (row[0] === 1) return { status: "expired" };
      writes.useCode.run(now, codeSha256);
      const code: AuthorizationCodeRecord = {
        codeSha256,
        grantId: grant.id,
        redirectUri: row[2] as string,
        codeChallenge: row[3] as string,
        expiresAt: row[4] as string,
      };
      return { status: "ok", code, grant };
    });
  }

  async addRefreshToken(token: RefreshTokenRecord): Promise<void> {
    checkSignInTime("the refresh token's createdAt", token.createdAt);
    checkSignInTime("the refresh token's expiresAt", token.expiresAt);
    await this.#signInWrite(() => {
      this.#grantInWrite(token.grantId);
      const writes = this.#signInWrites;
      writes.insertRefreshToken.run(token.tokenSha256, token.grantId, token.createdAt, token.expiresAt);
      writes.keepGrantUntil.run(token.expiresAt, token.grantId);
    });
  }

  async rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    checkSignInTime("now", now);
    checkSignInTime("the next refresh token's createdAt", next.createdAt);
    checkSignInTime("the next refresh token's expiresAt", next.expiresAt);
    return this.#signInWrite((): RefreshRotation => {
      const writes = this.#signInWrites;
      const row = writes.refreshToken.get(now, tokenSha256);
      if (!row) return { status: "unknown" };
      const grant = this.#grantInWrite(row[1] as string);
      if (grant.revokedAt !== undefined) return { status: "revoked" };
      if (row[2] !== null) {
        writes.revokeGrant.run(now, "refresh token reused", grant.id);
        return { status: "reused", grant: this.#grantInWrite(grant.id) };
      }
      if (row[0] === 1) return { status: "expired" };
      if (grant.clientId !== clientId) return { status: "wrong_client" };
      accept?.(grant); // throws to refuse: the write rolls back and the token stays unspent
      writes.useRefreshToken.run(now, tokenSha256);
      writes.insertRefreshToken.run(next.tokenSha256, grant.id, next.createdAt, next.expiresAt);
      writes.keepGrantUntil.run(next.expiresAt, grant.id);
      return { status: "ok", grant };
    });
  }

  /** Revokes once: a grant revoked before keeps its first time and reason. An unknown grant is no error. */
  async revokeGrant(grantId: string, reason: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    await this.#signInWrite(() => {
      this.#signInWrites.revokeGrant.run(now, reason, grantId);
    });
  }

  async grant(grantId: string): Promise<GrantRecord | undefined> {
    this.check();
    const row = this.#signInReads.grant.get(grantId);
    return row ? toGrant(row) : undefined;
  }

  /** Takes the write lock, polling without blocking the event loop until busyTimeoutMs has passed. */
  async #begin(): Promise<void> {
    const writer = this.#writer;
    const deadline = Date.now() + this.busyTimeoutMs;
    let delay = 1;
    writer.pragma("busy_timeout = 0");
    try {
      for (;;) {
        try {
          writer.exec("BEGIN IMMEDIATE");
          return;
        } catch (error) {
          if (!isBusy(error)) throw error;
          const left = deadline - Date.now();
          if (left <= 0) throw new StoreLockedError(this.file, { cause: error });
          await sleep(Math.min(delay, left));
          delay = Math.min(delay * 2, 50);
        }
      }
    } finally {
      writer.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
    }
  }

  /** Waits for the transactions already started, then closes both connections. */
  async close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = this.#queue.then(() => {
      this.#closed = true;
      this.#reader.close();
      this.#writer.close();
    });
    return this.#closing;
  }
}
