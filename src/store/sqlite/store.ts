/**
 * The embedded Store: one SQLite file (better-sqlite3), in WAL mode, composed of one implementation per
 * concern of the `Store` interface, all sharing one `SqliteDatabase` (its connections, its write queue
 * and its write lock). This file only wires them: the one link between concerns is that a resource
 * transaction revokes, in that transaction, the sign-ins its writes end. `open.ts` makes the store.
 */
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { ResourceKind, StoredResource } from "../../model/resources.ts";
import type { ChangeListener } from "../changes.ts";
import type { StoreDump } from "../dump.ts";
import type { RateLimiterSpec } from "../rate-limits.ts";
import type {
  AuditRecord,
  ImportRecord,
  RevisionRecord,
  StoreTransaction,
  TransactionOptions,
} from "../resources.ts";
import type {
  AuthorizationCodeRecord,
  CodeRedemption,
  GrantRecord,
  RefreshRotation,
  RefreshTokenRecord,
} from "../sign-in.ts";
import type { AddSigningKeyOptions, SigningKeyRecord } from "../signing-keys.ts";
import type { Store } from "../store.ts";
import type { SyncLeaderInfo, SyncLeadership } from "../sync-leader.ts";
import type { SyncStatus } from "../sync-status.ts";
import { SqliteChanges } from "./changes.ts";
import type { SqliteDatabase } from "./database.ts";
import { SqliteDump } from "./dump.ts";
import { SqliteRateLimits } from "./rate-limits.ts";
import { SqliteResources } from "./resources.ts";
import { SqliteSignIn } from "./sign-in.ts";
import { SqliteSigningKeys } from "./signing-keys.ts";
import { SqliteSyncLeader } from "./sync-leader.ts";
import { SqliteSyncStatus } from "./sync-status.ts";

export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly file: string;
  readonly description: string;
  readonly #db: SqliteDatabase;
  readonly #resources: SqliteResources;
  readonly #keys: SqliteSigningKeys;
  readonly #signIn: SqliteSignIn;
  readonly #sync: SqliteSyncStatus;
  readonly #leader: SqliteSyncLeader;
  readonly #changes = new SqliteChanges();
  readonly #limits = new SqliteRateLimits();
  readonly #dump: SqliteDump;

  constructor(db: SqliteDatabase) {
    this.file = db.file;
    this.description = db.file;
    this.#db = db;
    this.#signIn = new SqliteSignIn(db);
    this.#resources = new SqliteResources(db, (ended, time) => this.#signIn.endSignIns(ended, time));
    this.#keys = new SqliteSigningKeys(db);
    this.#sync = new SqliteSyncStatus(db);
    this.#leader = new SqliteSyncLeader(db);
    this.#dump = new SqliteDump(db);
  }

  // Reconciled state.
  revision(): Promise<number> {
    return this.#resources.revision();
  }
  list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]> {
    return this.#resources.list(kind);
  }
  listAll(): Promise<StoredResource[]> {
    return this.#resources.listAll();
  }
  get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined> {
    return this.#resources.get(kind, id);
  }
  imports(source?: string): Promise<ImportRecord[]> {
    return this.#resources.imports(source);
  }
  revisions(limit?: number): Promise<RevisionRecord[]> {
    return this.#resources.revisions(limit);
  }
  audit(revision?: number): Promise<AuditRecord[]> {
    return this.#resources.audit(revision);
  }
  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    return this.#resources.transaction(fn, options);
  }

  // Signing keys.
  signingKeys(): Promise<SigningKeyRecord[]> {
    return this.#keys.signingKeys();
  }
  keysVersion(): Promise<number> {
    return this.#keys.keysVersion();
  }
  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    return this.#keys.addSigningKey(key, options);
  }

  // Sign-in state.
  setPassword(userId: string, hash: string, now: string): Promise<void> {
    return this.#signIn.setPassword(userId, hash, now);
  }
  passwordHash(userId: string): Promise<string | undefined> {
    return this.#signIn.passwordHash(userId);
  }
  createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    return this.#signIn.createGrant(grant, code);
  }
  redeemCode(codeSha256: string, now: string): Promise<CodeRedemption> {
    return this.#signIn.redeemCode(codeSha256, now);
  }
  addRefreshToken(token: RefreshTokenRecord): Promise<void> {
    return this.#signIn.addRefreshToken(token);
  }
  rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    return this.#signIn.rotateRefreshToken(tokenSha256, clientId, next, now, accept);
  }
  revokeGrant(grantId: string, reason: string, now: string): Promise<void> {
    return this.#signIn.revokeGrant(grantId, reason, now);
  }
  grant(grantId: string): Promise<GrantRecord | undefined> {
    return this.#signIn.grant(grantId);
  }

  // Sync status.
  syncStatus(id?: string): Promise<SyncStatus | undefined> {
    return this.#sync.syncStatus(id);
  }
  saveSyncStatus(status: SyncStatus, id?: string): Promise<void> {
    return this.#sync.saveSyncStatus(status, id);
  }

  // Sync leadership.
  tryLeadSync(holder: string, id?: string): Promise<SyncLeadership | undefined> {
    return this.#leader.tryLeadSync(holder, id);
  }
  syncLeader(id?: string): Promise<SyncLeaderInfo | undefined> {
    return this.#leader.syncLeader(id);
  }

  // Change notifications and shared limits.
  watchChanges(listener: ChangeListener): () => void {
    return this.#changes.watchChanges(listener);
  }
  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    return this.#limits.rateLimiter(spec);
  }

  // The whole store, for store copy.
  dump(): Promise<StoreDump> {
    return this.#dump.dump();
  }
  restore(dump: StoreDump): Promise<void> {
    return this.#dump.restore(dump);
  }

  /** Waits for the writes already started, then closes both connections. */
  close(): Promise<void> {
    return this.#db.close();
  }
}
