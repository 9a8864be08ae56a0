/**
 * The Store: the truth the token service reads. SQLite is the embedded implementation; the interface
 * is async and row-oriented so that a PostgreSQL implementation (several token service replicas, one
 * reconciler holding a lock) fits without changes above this layer.
 */

import type { SigningAlg } from "../model/desired.ts";
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
  remove(kind: ResourceKind, id: string, ctx: WriteContext): Promise<void>;
  addImport(record: Omit<ImportRecord, "id" | "revision" | "time">): Promise<void>;
}

export class StaleRevisionError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `the store is at revision ${actual}, but the plan was made against revision ${expected}; make a new plan`,
    );
    this.name = "StaleRevisionError";
  }
}

/**
 * Another writer (an apply in another process) held the store's write lock for longer than the store
 * waits for it. Nothing was written; running the command again is safe.
 */
export class StoreLockedError extends Error {
  constructor(
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(`another apply holds the store's write lock (file ${file}); try again`, options);
    this.name = "StoreLockedError";
  }
}

/**
 * One token signing key. Keys are not manifest resources: the token service makes them, so they live
 * beside the resources and do not move the store revision. Times are ISO 8601 (UTC) strings.
 */
export interface SigningKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlg;
  /** The public JWK as published (kid, alg, use and the public members only). */
  publicJwk: Record<string, unknown>;
  /** The private JWK as JSON text, or (when `encrypted`) the master-key envelope around it. */
  privateKey: string;
  encrypted: boolean;
  createdAt: string;
  /** When a newer key replaced it: it signs nothing from then on but stays published. */
  retiredAt?: string;
  /** When the last token it signed has expired: from then on it is not published, and it is deleted. */
  expiresAt?: string;
}

export interface AddSigningKeyOptions {
  /** The `expiresAt` of the keys this one retires. */
  retireUntil: string;
  now: string;
  /** Add nothing (and return false) when an unretired key of this alg exists already. */
  onlyIfNoActive?: SigningAlg;
}

/**
 * Sign-in state (issue 6): passwords, grants, authorization codes and refresh tokens. Like signing keys,
 * none of it is a manifest resource: the token service writes it, it never moves the store revision, and
 * no plan shows or prunes it. Codes and refresh tokens are stored as SHA-256 digests (hex) only.
 * Times are ISO 8601 (UTC) strings.
 */

/** One sign-in of one user at one client: what the codes and refresh tokens it issues all share. */
export interface GrantRecord {
  /** Random and opaque; access tokens carry it as `sid`, so that revoking the grant revokes them. */
  id: string;
  clientId: string;
  /** The User resource's id (the manifest name): the token's `sub`. */
  userId: string;
  /** The scopes the client asked for at /oauth2/authorize (OpenID and API scopes), in request order. */
  scopes: string[];
  /** The audiences it asked for (empty: the client's default). */
  audiences: string[];
  /**
   * What the sign-in granted, computed once when the user signed in: the ceiling of every token the grant
   * issues. Exchanges and refreshes may narrow it, never add to it (RFC 6749 §6).
   */
  granted: GrantedAccess;
  /** When the user entered their password (epoch seconds): the ID token's `auth_time`. */
  authTime: number;
  /** The OpenID Connect nonce of the authorization request, for the first ID token. */
  nonce?: string;
  createdAt: string;
  /**
   * Set once: a reused code or refresh token; its user disabled, removed or given a new password; its
   * application disabled or removed. Revoked grants issue nothing more, and are never live again.
   */
  revokedAt?: string;
  revokedReason?: string;
}

/**
 * The scopes a sign-in granted. API scopes are kept per audience, since a scope name is unique only
 * within its Api: a name granted at one audience grants nothing at another. An empty list grants none.
 */
export interface GrantedAccess {
  /** The OpenID Connect scopes granted (openid, profile, email, offline_access, offline), in request order. */
  openIdScopes: string[];
  /** Every audience of the grant's tokens, as resolved at sign-in (a client's default made explicit). */
  audiences: GrantedAudience[];
}

export interface GrantedAudience {
  audience: string;
  /** The API scopes granted at this audience. */
  scopes: string[];
}

export interface AuthorizationCodeRecord {
  codeSha256: string;
  grantId: string;
  redirectUri: string;
  /** The PKCE S256 challenge (base64url). */
  codeChallenge: string;
  expiresAt: string;
}

export interface RefreshTokenRecord {
  tokenSha256: string;
  grantId: string;
  createdAt: string;
  expiresAt: string;
}

/** The outcome of redeeming a code: only the first redemption of an unexpired code is `ok`. */
export type CodeRedemption =
  | { status: "ok"; code: AuthorizationCodeRecord; grant: GrantRecord }
  /** The code had been redeemed before: its grant (and everything it issued) is revoked now. */
  | { status: "reused"; grant: GrantRecord }
  | { status: "expired" | "unknown" | "revoked" };

/** The outcome of rotating a refresh token. */
export type RefreshRotation =
  | { status: "ok"; grant: GrantRecord }
  /** The token had been rotated before: its grant (the whole family) is revoked now. */
  | { status: "reused"; grant: GrantRecord }
  /** Issued to another client: nothing changed. */
  | { status: "wrong_client" }
  | { status: "expired" | "unknown" | "revoked" };

export interface SignInStore {
  /**
   * Sets (or replaces) a user's password hash (a PHC string such as `$argon2id$...`) and, in the same
   * write, revokes the user's grants: a password change ends every sign-in.
   */
  setPassword(userId: string, hash: string, now: string): Promise<void>;
  passwordHash(userId: string): Promise<string | undefined>;
  /**
   * Stores a new grant and its authorization code together. When the store has the grant's user
   * disabled or not at all (the caller's view lagged an apply), the grant is stored revoked.
   */
  createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void>;
  /** Marks the code used, once; a second redemption revokes the code's grant. */
  redeemCode(codeSha256: string, now: string): Promise<CodeRedemption>;
  /** Adds a refresh token to a grant (after a code exchange). */
  addRefreshToken(token: RefreshTokenRecord): Promise<void>;
  /**
   * In one write transaction: find the token; when it is unused, unexpired, of a live grant and issued to
   * `clientId`, mark it used and store `next` in the same grant. A token used before revokes its grant.
   * `accept`, when given, sees the grant before the token is spent and throws to refuse the request: then
   * nothing is written and the token stays usable (a refresh asking for too much must not cost the
   * client its sign-in).
   */
  rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation>;
  revokeGrant(grantId: string, reason: string, now: string): Promise<void>;
  grant(grantId: string): Promise<GrantRecord | undefined>;
}

/**
 * The git sync loop's status (issue 7), as `scopectl status` and `GET /v1/sync` show it. `Synced`: the
 * branch head is applied and the store has not drifted from it; `OutOfSync`: a commit is waiting, or
 * the store has drifted; `Failed`: the last commit tried could not be applied (the store is unchanged).
 */
export type SyncState = "Synced" | "OutOfSync" | "Failed";

export interface SyncCommit {
  sha: string;
  subject: string;
  author: string;
  /** When the loop applied (or tried) it. */
  time: string;
  /** The store revision an applied commit produced (absent when the commit changed nothing). */
  revision?: number;
  /** Why it was not applied (a failed attempt). */
  error?: string;
}

/** A row that differs from what the last applied commit produced: someone changed the store. */
export interface DriftEntry {
  action: "create" | "update" | "replace" | "delete";
  kind: ResourceKind;
  id: string;
  /** Field diffs as plans render them (secrets masked). */
  diff: { path: string; before?: unknown; after?: unknown; added?: string[]; removed?: string[] }[];
}

export interface SyncStatus {
  state: SyncState;
  repo: string;
  branch: string;
  /** The manifest folder inside the repository. */
  path: string;
  /** The branch head at the last fetch. */
  head?: string;
  lastApplied?: SyncCommit;
  lastAttempted?: SyncCommit;
  /** Why the last attempted commit was not applied (one or more sentences). */
  error?: string;
  /** The last history rewrite (force-push) seen: the applied commit was no longer on the branch. */
  rewrite?: { from: string; to: string; time: string };
  drift: DriftEntry[];
  /** When the loop last fetched and checked. */
  checkedAt: string;
}

/** Where sync status lives; `id` names the sync target (`default` for the one loop of a store). */
export interface SyncStatusStore {
  syncStatus(id?: string): Promise<SyncStatus | undefined>;
  saveSyncStatus(status: SyncStatus, id?: string): Promise<void>;
}

export interface Store extends StoreReader, SignInStore, SyncStatusStore {
  /**
   * Runs `fn` in one transaction that holds the store's write lock. When `expectedRevision` is given
   * and the store is elsewhere, throws StaleRevisionError before running `fn`. On success the revision
   * is bumped by one and a RevisionRecord written; if `fn` throws, nothing is kept.
   */
  transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: { ctx: WriteContext; expectedRevision?: number; summary?: Record<string, number> },
  ): Promise<{ result: T; revision: number }>;
  /** Every signing key, oldest first. */
  signingKeys(): Promise<SigningKeyRecord[]>;
  /**
   * A counter bumped by every change to the signing keys; cheap, so that a token service can poll it
   * (with `revision()`) and reload its keys only when it moves.
   */
  keysVersion(): Promise<number>;
  /**
   * In one write transaction: insert `key`; set retiredAt = now and expiresAt = retireUntil on every
   * key that is not yet retired; delete keys whose expiresAt has passed; bump the keys version. If
   * `onlyIfNoActive` is given and an unretired key with that alg already exists, do nothing and return
   * false (two token service replicas starting at once create one key).
   */
  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean>;
  close(): Promise<void>;
}
