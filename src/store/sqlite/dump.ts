/**
 * The whole SQLite store as a StoreDump, and a dump written into an empty SQLite store (`scopectl store
 * copy`). The read is one deferred transaction on the reader connection (one WAL snapshot, so an apply
 * landing meanwhile is either all in or all out); the restore is one write transaction under the write
 * lock, at FULL durability like an apply.
 */
import type Database from "better-sqlite3";
import type { CommitInfo, ResourceKind, StoredResource } from "../../model/resources.ts";
import { DUMP_FORMAT, type DumpStore, type StoreDump, StoreNotEmptyError } from "../dump.ts";
import type { SigningKeyRecord } from "../signing-keys.ts";
import type { SqliteDatabase } from "./database.ts";
import { toGrant } from "./sign-in-statements.ts";

type Rec = Record<string, unknown>;

const json = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));
const str = (value: unknown): string => value as string;
/** `key` set only when the column is not NULL (the records' optional fields). */
const optional = <T extends object>(record: T, key: string, value: unknown): T => {
  if (value !== null && value !== undefined) (record as Rec)[key] = value;
  return record;
};

function read(db: Database.Database): StoreDump {
  const all = (sql: string) => db.prepare(sql).all() as Rec[];
  const raw = (sql: string) => db.prepare(sql).raw().all() as unknown[][];
  const meta = db.prepare("SELECT revision, keys_version FROM meta WHERE id = 1").get() as Rec;
  return {
    format: DUMP_FORMAT,
    revision: meta.revision as number,
    keysVersion: meta.keys_version as number,
    resources: all("SELECT * FROM resources ORDER BY kind, id").map((r) =>
      optional(
        {
          kind: r.kind as ResourceKind,
          id: str(r.id),
          props: json(r.props),
          managedBy: str(r.managed_by),
          createdRevision: r.created_revision as number,
          updatedRevision: r.updated_revision as number,
        } as StoredResource,
        "commit",
        r.commit_sha,
      ),
    ),
    revisions: all("SELECT * FROM revisions ORDER BY revision").map((r) =>
      optional(
        {
          revision: r.revision as number,
          actor: str(r.actor),
          time: str(r.time),
          summary: json(r.summary) as Record<string, number>,
        },
        "commit",
        r.commit_info === null ? null : (json(r.commit_info) as CommitInfo),
      ),
    ),
    audit: all("SELECT * FROM audit ORDER BY seq").map((r) =>
      optional(
        {
          revision: r.revision as number,
          actor: str(r.actor),
          kind: r.kind as ResourceKind,
          id: str(r.id),
          before: json(r.before_props),
          after: json(r.after_props),
          time: str(r.time),
        },
        "commit",
        r.commit_sha,
      ),
    ),
    imports: all("SELECT * FROM imports ORDER BY id").map((r) =>
      optional(
        {
          id: r.id as number,
          source: str(r.source),
          api: str(r.api),
          action: r.action as "upload" | "replace" | "delete",
          file: json(r.file) as StoreDump["imports"][number]["file"],
          revision: r.revision as number,
          time: str(r.time),
          log: json(r.log) as StoreDump["imports"][number]["log"],
        },
        "commit",
        r.commit_sha,
      ),
    ),
    signingKeys: all("SELECT * FROM signing_keys ORDER BY created_at, rowid").map((r) => {
      const key: SigningKeyRecord = {
        kid: str(r.kid),
        alg: r.alg as SigningKeyRecord["alg"],
        publicJwk: json(r.public_jwk) as Record<string, unknown>,
        privateKey: str(r.private_key),
        encrypted: r.encrypted === 1,
        createdAt: str(r.created_at),
      };
      optional(key, "retiredAt", r.retired_at);
      return optional(key, "expiresAt", r.expires_at);
    }),
    passwords: all("SELECT * FROM user_passwords ORDER BY user_id").map((r) => ({
      userId: str(r.user_id),
      hash: str(r.hash),
      updatedAt: str(r.updated_at),
    })),
    grants: raw(
      "SELECT id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, granted FROM grants ORDER BY created_at, id",
    ).map(toGrant),
    codes: all("SELECT * FROM authorization_codes ORDER BY code_sha256").map((r) =>
      optional(
        {
          codeSha256: str(r.code_sha256),
          grantId: str(r.grant_id),
          redirectUri: str(r.redirect_uri),
          codeChallenge: str(r.code_challenge),
          expiresAt: str(r.expires_at),
        },
        "usedAt",
        r.used_at,
      ),
    ),
    refreshTokens: all("SELECT * FROM refresh_tokens ORDER BY created_at, token_sha256").map((r) =>
      optional(
        {
          tokenSha256: str(r.token_sha256),
          grantId: str(r.grant_id),
          createdAt: str(r.created_at),
          expiresAt: str(r.expires_at),
        },
        "usedAt",
        r.used_at,
      ),
    ),
    syncStatus: all("SELECT * FROM sync_status ORDER BY id").map((r) => ({
      id: str(r.id),
      status: json(r.status) as StoreDump["syncStatus"][number]["status"],
    })),
  };
}

/** Whether the store holds anything a dump would carry. */
function isEmpty(db: Database.Database): { empty: boolean; revision: number } {
  const revision = db.prepare("SELECT revision FROM meta WHERE id = 1").pluck().get() as number;
  const tables = [
    "resources",
    "revisions",
    "audit",
    "imports",
    "signing_keys",
    "user_passwords",
    "grants",
    "sync_status",
  ];
  const rows = tables.some((table) => db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined);
  return { empty: revision === 0 && !rows, revision };
}

const orNull = (value: unknown) => (value === undefined ? null : value);
const text = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

function write(db: Database.Database, dump: StoreDump): void {
  db.prepare("UPDATE meta SET revision = ?, keys_version = ? WHERE id = 1").run(
    dump.revision,
    dump.keysVersion,
  );
  const resource = db.prepare(
    "INSERT INTO resources (kind, id, props, managed_by, commit_sha, created_revision, updated_revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  for (const r of dump.resources) {
    resource.run(
      r.kind,
      r.id,
      JSON.stringify(r.props),
      r.managedBy,
      orNull(r.commit),
      r.createdRevision,
      r.updatedRevision,
    );
  }
  const revision = db.prepare(
    "INSERT INTO revisions (revision, actor, commit_info, time, summary) VALUES (?, ?, ?, ?, ?)",
  );
  for (const r of dump.revisions)
    revision.run(r.revision, r.actor, text(r.commit), r.time, JSON.stringify(r.summary));
  const audit = db.prepare(
    "INSERT INTO audit (revision, actor, commit_sha, kind, id, before_props, after_props, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  for (const a of dump.audit)
    audit.run(a.revision, a.actor, orNull(a.commit), a.kind, a.id, text(a.before), text(a.after), a.time);
  const importRow = db.prepare(
    "INSERT INTO imports (id, source, api, action, file, revision, commit_sha, time, log) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  for (const i of dump.imports) {
    importRow.run(
      i.id,
      i.source,
      i.api,
      i.action,
      JSON.stringify(i.file),
      i.revision,
      orNull(i.commit),
      i.time,
      JSON.stringify(i.log),
    );
  }
  const key = db.prepare(
    "INSERT INTO signing_keys (kid, alg, public_jwk, private_key, encrypted, created_at, retired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  for (const k of dump.signingKeys) {
    key.run(
      k.kid,
      k.alg,
      JSON.stringify(k.publicJwk),
      k.privateKey,
      k.encrypted ? 1 : 0,
      k.createdAt,
      orNull(k.retiredAt),
      orNull(k.expiresAt),
    );
  }
  const password = db.prepare("INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)");
  for (const p of dump.passwords) password.run(p.userId, p.hash, p.updatedAt);
  // prune_after as createGrant and the token writes keep it: a day after creation, raised to an hour
  // after each code's expiry and to each refresh token's expiry.
  const grant = db.prepare(
    `INSERT INTO grants (id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, granted, prune_after)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, julianday(?) + 1)`,
  );
  for (const g of dump.grants) {
    grant.run(
      g.id,
      g.clientId,
      g.userId,
      JSON.stringify(g.scopes),
      JSON.stringify(g.audiences),
      g.authTime,
      orNull(g.nonce),
      g.createdAt,
      orNull(g.revokedAt),
      orNull(g.revokedReason),
      JSON.stringify(g.granted),
      g.createdAt,
    );
  }
  const keep = db.prepare("UPDATE grants SET prune_after = max(prune_after, julianday(?)) WHERE id = ?");
  const code = db.prepare(
    "INSERT INTO authorization_codes (code_sha256, grant_id, redirect_uri, code_challenge, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  for (const c of dump.codes) {
    code.run(c.codeSha256, c.grantId, c.redirectUri, c.codeChallenge, c.expiresAt, orNull(c.usedAt));
    keep.run(new Date(Date.parse(c.expiresAt) + 3_600_000).toISOString(), c.grantId);
  }
  const token = db.prepare(
    "INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
  );
  for (const t of dump.refreshTokens) {
    token.run(t.tokenSha256, t.grantId, t.createdAt, t.expiresAt, orNull(t.usedAt));
    keep.run(t.expiresAt, t.grantId);
  }
  const status = db.prepare("INSERT INTO sync_status (id, status, updated_at) VALUES (?, ?, ?)");
  for (const s of dump.syncStatus) status.run(s.id, JSON.stringify(s.status), s.status.checkedAt);
}

export class SqliteDump implements DumpStore {
  constructor(private readonly db: SqliteDatabase) {}

  async dump(): Promise<StoreDump> {
    this.db.assertOpen();
    // A deferred transaction on the reader: every SELECT below sees one snapshot of the file.
    return this.db.reader.transaction(() => read(this.db.reader))();
  }

  restore(dump: StoreDump): Promise<void> {
    return this.db.enqueue(async () => {
      const db = this.db;
      db.assertOpen();
      await db.begin();
      try {
        const { empty, revision } = isEmpty(db.writer);
        if (!empty) throw new StoreNotEmptyError(db.file, revision);
        write(db.writer, dump);
        db.writer.exec("COMMIT");
      } catch (error) {
        db.rollback();
        throw error;
      }
    });
  }
}
