/**
 * The SQLite store's schema, as a numbered list of migrations. `PRAGMA user_version` holds the number of
 * the last one applied; opening a store applies the missing ones in one transaction, and refuses a file
 * whose version is newer than this list (it was written by a newer scopectl).
 *
 * The resources table is generic (kind, id, props as JSON text) so that every kind fits one table and a
 * PostgreSQL implementation can keep the same shape with `jsonb`. Append new migrations; never edit one
 * that has shipped.
 */
import type Database from "better-sqlite3";
import { ScopectlError } from "../../core/errors.ts";

export interface Migration {
  /** 1, 2, 3, ...: the `user_version` the file has once this migration is applied. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "resources, meta (revision counter), revisions, audit, imports",
    sql: `
      CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
      );
      INSERT INTO meta (id, revision) VALUES (1, 0);

      -- One row per resource of any kind; clustered on (kind, id), so that a get is one b-tree lookup and
      -- a list of one kind is one range scan.
      CREATE TABLE resources (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        props TEXT NOT NULL,
        managed_by TEXT NOT NULL,
        commit_sha TEXT,
        created_revision INTEGER NOT NULL,
        updated_revision INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;

      CREATE TABLE revisions (
        revision INTEGER PRIMARY KEY,
        actor TEXT NOT NULL,
        commit_info TEXT,
        time TEXT NOT NULL,
        summary TEXT NOT NULL
      );

      -- seq orders the rows as they were written; before/after are the props as JSON (NULL for a create's
      -- before and a delete's after).
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        revision INTEGER NOT NULL,
        actor TEXT NOT NULL,
        commit_sha TEXT,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        before_props TEXT,
        after_props TEXT,
        time TEXT NOT NULL
      );
      CREATE INDEX audit_by_revision ON audit (revision);

      CREATE TABLE imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        api TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('upload', 'replace', 'delete')),
        file TEXT NOT NULL,
        revision INTEGER NOT NULL,
        commit_sha TEXT,
        time TEXT NOT NULL,
        log TEXT NOT NULL
      );
      CREATE INDEX imports_by_source ON imports (source, id);
    `,
  },
  {
    version: 2,
    description: "signing_keys, meta.keys_version",
    sql: `
      -- Bumped by every change to signing_keys (not by applies): what a token service polls to reload keys.
      ALTER TABLE meta ADD COLUMN keys_version INTEGER NOT NULL DEFAULT 0;

      -- The token service's signing keys. private_key is the private JWK as JSON text, or (encrypted = 1)
      -- an envelope sealed with SCOPECTL_MASTER_KEY. A retired key signs nothing but stays published until
      -- expires_at, when the tokens it signed have expired. alg is not constrained here so that a new
      -- algorithm needs no table rebuild; the code checks it.
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_key TEXT NOT NULL,
        encrypted INTEGER NOT NULL CHECK (encrypted IN (0, 1)),
        created_at TEXT NOT NULL,
        retired_at TEXT,
        expires_at TEXT
      );
    `,
  },
  {
    version: 3,
    description: "user_passwords, grants, authorization_codes, refresh_tokens",
    sql: `
      -- Sign-in state (issue 6). Like signing_keys, none of it is a manifest resource: the token service
      -- writes it, outside revisions and audit. Times are ISO 8601 text as the caller wrote them; every
      -- comparison goes through julianday(), and the indexes that serve those comparisons are on the same
      -- julianday(...) expression, since SQLite uses an expression index only for that exact expression.

      -- A user's password as an argon2id PHC string (salt and parameters are inside it). user_id is the
      -- User resource's id. No foreign key: resources is generic (kind, id), and sign-in looks the User up
      -- first, so a row left behind by a removed user lets nobody in.
      CREATE TABLE user_passwords (
        user_id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      -- One sign-in of one user at one client; its codes and refresh tokens hang off it, so revoking it
      -- (revoked_at, set once) stops all of them, and deleting it deletes them (ON DELETE CASCADE).
      -- scopes and audiences are JSON arrays. prune_after is bookkeeping for the opportunistic pruning in
      -- createGrant, not part of the record: the julian day after which the grant may be deleted, the latest
      -- of created_at + 1 day, its code's expiry + 1 hour and its refresh tokens' expiries (raised as tokens
      -- are added). Its index turns "which grants might be empty and old" into a range scan over the
      -- candidates only, instead of a probe of every grant (most are live sessions) per sign-in.
      CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        scopes TEXT NOT NULL,
        audiences TEXT NOT NULL,
        auth_time INTEGER NOT NULL,
        nonce TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_reason TEXT,
        prune_after REAL NOT NULL
      );
      CREATE INDEX grants_by_prune_after ON grants (prune_after);

      -- Codes and refresh tokens are stored as the SHA-256 (hex) of the value only, keyed by it (a lookup
      -- is one b-tree search; WITHOUT ROWID keeps it to one b-tree). used_at is kept after use, so that a
      -- second redemption is recognised as reuse (and revokes the grant) until the row is pruned. The
      -- grant_id indexes serve the cascade when a grant is deleted and the "has it any rows left" checks of
      -- pruning; the expiry indexes let pruning delete by range.
      CREATE TABLE authorization_codes (
        code_sha256 TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      ) WITHOUT ROWID;
      CREATE INDEX authorization_codes_by_grant ON authorization_codes (grant_id);
      CREATE INDEX authorization_codes_by_expiry ON authorization_codes (julianday(expires_at));

      CREATE TABLE refresh_tokens (
        token_sha256 TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      ) WITHOUT ROWID;
      CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
      CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (julianday(expires_at));
    `,
  },
  {
    version: 4,
    description: "sync_status",
    sql: `
      -- The git sync loop's status (issue 7): one row per sync target, the status as JSON. Written by the
      -- loop after every attempt and drift check, read by \`scopectl status\` and GET /v1/sync in other
      -- processes. Not a manifest resource: it never moves the store revision.
      CREATE TABLE sync_status (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    description: "grants.granted",
    sql: `
      -- What a sign-in granted (issue 12): JSON {openIdScopes, audiences: [{audience, scopes}]}, computed
      -- at the login, the ceiling of every token the grant issues. Before, the grant kept only what the
      -- client asked for, and a request without API scopes meant "all the user holds", at every refresh.
      -- What those older sign-ins were granted was never recorded, and any guess could widen them, so
      -- they are revoked here: their refresh tokens and access tokens stop working, and the user signs in
      -- again. A revoked grant keeps its first time and reason.
      ALTER TABLE grants ADD COLUMN granted TEXT;
      UPDATE grants
        SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            revoked_reason = 'store upgrade: the sign-in predates recorded grants'
        WHERE revoked_at IS NULL;
    `,
  },
  {
    version: 6,
    description: "live grants by user and client",
    sql: `
      -- Disabling or removing a User (or an Application) revokes its grants in the apply's transaction
      -- (issue 12), and a password change the user's: these partial indexes make that a range scan over
      -- the live grants of one user or client id, not a scan of the table per change.
      CREATE INDEX grants_live_by_user ON grants (user_id) WHERE revoked_at IS NULL;
      CREATE INDEX grants_live_by_client ON grants (client_id) WHERE revoked_at IS NULL;
      -- Before, such grants were revoked only when next used, so they came back to life when the user or
      -- application was enabled again or declared again under the same name. End the ones left now.
      UPDATE grants
        SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            revoked_reason = 'store upgrade: its user or application was disabled or removed'
        WHERE revoked_at IS NULL
          AND (
            NOT EXISTS (
              SELECT 1 FROM resources
              WHERE kind = 'User' AND id = grants.user_id AND json_extract(props, '$.disabled') IS NOT 1
            )
            OR NOT EXISTS (
              SELECT 1 FROM resources
              WHERE kind = 'Application' AND json_extract(props, '$.clientId') = grants.client_id
                AND json_extract(props, '$.disabled') IS NOT 1
            )
          );
    `,
  },
  {
    version: 7,
    description: "sync_leaders",
    sql: `
      -- Which one sync loop applies (issue 14; sqlite/sync-leader.ts): a lease per sync target, taken
      -- under the write lock when absent, expired or held by a process that is gone, renewed by its
      -- holder, deleted on release. lease is the random id of one leadership (renewal and release match
      -- it, so a loop never renews or deletes another's); epoch counts the leaderships of the target.
      -- machine and pid say where the holder runs (machine: boot id and PID namespace, NULL when
      -- unknown), so that a process on the same machine sees a dead holder before its lease runs out.
      -- Times are ISO 8601 text written by processes on one machine (WAL mode needs one), so one clock.
      CREATE TABLE sync_leaders (
        id TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        since TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0,
        lease TEXT NOT NULL,
        machine TEXT,
        pid INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    description: "plan_records, meta.row_writes",
    sql: `
      -- What the last plan (or apply) of a folder found, per manager (issue 18; engine/plan-record.ts):
      -- JSON naming the inputs it read by digest, and the row-write count it was made at. Runtime state:
      -- no revision, no audit row, not in dumps.
      CREATE TABLE plan_records (
        key TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        written_at TEXT NOT NULL
      );
      -- Every row written to the tables a plan reads, by whatever writes it (an apply, or a hand edit in
      -- SQL, which never moves the revision): a record answers only at the count it was made at.
      ALTER TABLE meta ADD COLUMN row_writes INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER resources_inserted AFTER INSERT ON resources
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
      CREATE TRIGGER resources_updated AFTER UPDATE ON resources
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
      CREATE TRIGGER resources_deleted AFTER DELETE ON resources
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
      CREATE TRIGGER imports_inserted AFTER INSERT ON imports
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
      CREATE TRIGGER imports_updated AFTER UPDATE ON imports
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
      CREATE TRIGGER imports_deleted AFTER DELETE ON imports
        BEGIN UPDATE meta SET row_writes = row_writes + 1 WHERE id = 1; END;
    `,
  },
];

/** The schema version this code writes: the last migration's number. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** Thrown when a store file was written by a newer scopectl. */
export class StoreVersionError extends ScopectlError {
  static readonly code = "store.version";
  declare readonly code: typeof StoreVersionError.code;

  constructor(
    readonly file: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      StoreVersionError.code,
      `the store ${file} has schema version ${fileVersion}, newer than this scopectl knows (${knownVersion}); upgrade scopectl to open it`,
    );
    this.name = "StoreVersionError";
  }
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `store migrations must be numbered 1, 2, 3, ...: entry ${index} is numbered ${migration.version}`,
      );
    }
  });
}

const userVersion = (db: Database.Database): number => db.pragma("user_version", { simple: true }) as number;

/**
 * Brings the file to the latest schema version in one transaction (all pending migrations or none) and
 * returns the versions before and after. The write lock is taken first and the version read again under
 * it, so that two processes opening a new file at once migrate it once.
 */
export function migrate(
  db: Database.Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  checkList(migrations);
  const latest = migrations.length;
  const before = userVersion(db);
  if (before > latest) throw new StoreVersionError(file, before, latest);
  if (before === latest) return { from: before, to: before };

  db.exec("BEGIN IMMEDIATE");
  try {
    const from = userVersion(db);
    if (from > latest) throw new StoreVersionError(file, from, latest);
    if (from === 0) {
      const tables = db
        .prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .get() as number;
      if (tables > 0) {
        throw new Error(`${file} is an SQLite database with tables of its own, not a scopectl store`);
      }
    }
    for (const migration of migrations.slice(from)) db.exec(migration.sql);
    db.pragma(`user_version = ${latest}`);
    db.exec("COMMIT");
    return { from, to: latest };
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
