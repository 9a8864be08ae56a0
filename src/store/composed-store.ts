/**
 * A Store composed of one implementation per concern (store.ts lists them): what both backends' Store
 * classes are, so that the forwarding lives once and the two can never expose different methods. A
 * backend builds its concerns on its own database (sqlite/store.ts, postgres/store.ts) and passes them
 * here with how it closes.
 */
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { ResourceKind, StoredResource } from "./../model/resources.ts";
import type { ChangeFeedStore, ChangeListener } from "./changes.ts";
import type { DumpStore, StoreDump } from "./dump.ts";
import type { PlanRecordStore, RowsVersion } from "./plan-records.ts";
import type { RateLimiterSpec, RateLimitStore } from "./rate-limits.ts";
import type {
  AuditRecord,
  ImportRecord,
  ResourceStore,
  RevisionRecord,
  StoreTransaction,
  TransactionOptions,
} from "./resources.ts";
import type {
  AuthorizationCodeRecord,
  CodeRedemption,
  GrantRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SignInStore,
} from "./sign-in.ts";
import type { AddSigningKeyOptions, SigningKeyRecord, SigningKeyStore } from "./signing-keys.ts";
import type { Store } from "./store.ts";
import type { SyncLeaderInfo, SyncLeaderStore, SyncLeadership } from "./sync-leader.ts";
import type { SyncStatus, SyncStatusStore } from "./sync-status.ts";

/** One implementation per concern of the Store interface. */
export interface StoreConcerns {
  resources: ResourceStore;
  keys: SigningKeyStore;
  signIn: SignInStore;
  sync: SyncStatusStore;
  leader: SyncLeaderStore;
  changes: ChangeFeedStore;
  limits: RateLimitStore;
  dump: DumpStore;
  plans: PlanRecordStore;
}

export class ComposedStore implements Store {
  readonly #c: StoreConcerns;
  readonly #close: () => Promise<void>;

  constructor(
    readonly kind: Store["kind"],
    readonly description: string,
    concerns: StoreConcerns,
    close: () => Promise<void>,
  ) {
    this.#c = concerns;
    this.#close = close;
  }

  // Reconciled state.
  revision(): Promise<number> {
    return this.#c.resources.revision();
  }
  list<K extends ResourceKind>(kind: K): Promise<StoredResource<K>[]> {
    return this.#c.resources.list(kind);
  }
  listAll(): Promise<StoredResource[]> {
    return this.#c.resources.listAll();
  }
  get<K extends ResourceKind>(kind: K, id: string): Promise<StoredResource<K> | undefined> {
    return this.#c.resources.get(kind, id);
  }
  imports(source?: string): Promise<ImportRecord[]> {
    return this.#c.resources.imports(source);
  }
  revisions(limit?: number): Promise<RevisionRecord[]> {
    return this.#c.resources.revisions(limit);
  }
  audit(revision?: number): Promise<AuditRecord[]> {
    return this.#c.resources.audit(revision);
  }
  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; revision: number }> {
    return this.#c.resources.transaction(fn, options);
  }

  // Signing keys.
  signingKeys(): Promise<SigningKeyRecord[]> {
    return this.#c.keys.signingKeys();
  }
  keysVersion(): Promise<number> {
    return this.#c.keys.keysVersion();
  }
  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    return this.#c.keys.addSigningKey(key, options);
  }

  // Sign-in state.
  setPassword(userId: string, hash: string, now: string): Promise<void> {
    return this.#c.signIn.setPassword(userId, hash, now);
  }
  passwordHash(userId: string): Promise<string | undefined> {
    return this.#c.signIn.passwordHash(userId);
  }
  createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    return this.#c.signIn.createGrant(grant, code);
  }
  redeemCode(codeSha256: string, now: string): Promise<CodeRedemption> {
    return this.#c.signIn.redeemCode(codeSha256, now);
  }
  addRefreshToken(token: RefreshTokenRecord): Promise<void> {
    return this.#c.signIn.addRefreshToken(token);
  }
  rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    return this.#c.signIn.rotateRefreshToken(tokenSha256, clientId, next, now, accept);
  }
  revokeGrant(grantId: string, reason: string, now: string): Promise<void> {
    return this.#c.signIn.revokeGrant(grantId, reason, now);
  }
  grant(grantId: string): Promise<GrantRecord | undefined> {
    return this.#c.signIn.grant(grantId);
  }

  // Plan records.
  rowsVersion(): Promise<RowsVersion> {
    return this.#c.plans.rowsVersion();
  }
  planRecord(key: string): Promise<string | undefined> {
    return this.#c.plans.planRecord(key);
  }
  savePlanRecord(key: string, record: string): Promise<void> {
    return this.#c.plans.savePlanRecord(key, record);
  }

  // Sync status.
  syncStatus(id?: string): Promise<SyncStatus | undefined> {
    return this.#c.sync.syncStatus(id);
  }
  saveSyncStatus(status: SyncStatus, id?: string): Promise<void> {
    return this.#c.sync.saveSyncStatus(status, id);
  }

  // Sync leadership.
  tryLeadSync(holder: string, id?: string): Promise<SyncLeadership | undefined> {
    return this.#c.leader.tryLeadSync(holder, id);
  }
  syncLeader(id?: string): Promise<SyncLeaderInfo | undefined> {
    return this.#c.leader.syncLeader(id);
  }

  // Change notifications and shared limits.
  watchChanges(listener: ChangeListener): () => void {
    return this.#c.changes.watchChanges(listener);
  }
  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    return this.#c.limits.rateLimiter(spec);
  }

  // The whole store, for store copy.
  dump(): Promise<StoreDump> {
    return this.#c.dump.dump();
  }
  restore(dump: StoreDump): Promise<void> {
    return this.#c.dump.restore(dump);
  }

  /** Waits for the writes already started, then releases the database (the backend's close). */
  close(): Promise<void> {
    return this.#close();
  }
}
