/**
 * A StoreDump to and from table rows, for both backends: their tables have the same names and columns
 * (src/store/postgres/migrations.ts keeps SQLite's), so only the SQL that reads and writes them differs.
 * Rows come as objects keyed by column name, as better-sqlite3's `all()` and pg's `query()` return them;
 * what the drivers give differently (SQLite's 0/1 for a boolean, pg's strings for bigint) is evened out
 * here.
 */
import type { CommitInfo, ResourceKind, StoredResource } from "../model/resources.ts";
import { DUMP_FORMAT, type StoreDump } from "./dump.ts";
import type { SigningKeyRecord } from "./signing-keys.ts";

export type NamedRow = Record<string, unknown>;

/** The rows of each table a dump covers, in the dump's order; `meta` holds revision and keys_version. */
export interface DumpTables {
  meta: { revision: number; keys_version: number };
  resources: NamedRow[];
  revisions: NamedRow[];
  audit: NamedRow[];
  imports: NamedRow[];
  signing_keys: NamedRow[];
  user_passwords: NamedRow[];
  grants: NamedRow[];
  authorization_codes: NamedRow[];
  refresh_tokens: NamedRow[];
  sync_status: NamedRow[];
}

/** The tables a restore must find empty (besides a revision of 0). */
export const DUMPED_TABLES = [
  "resources",
  "revisions",
  "audit",
  "imports",
  "signing_keys",
  "user_passwords",
  "grants",
  "authorization_codes",
  "refresh_tokens",
  "sync_status",
] as const;

/** The columns a dump reads and writes, per table (PostgreSQL's extra timestamptz columns aside). */
export const DUMP_COLUMNS = {
  resources: ["kind", "id", "props", "managed_by", "commit_sha", "created_revision", "updated_revision"],
  revisions: ["revision", "actor", "commit_info", "time", "summary"],
  audit: ["revision", "actor", "commit_sha", "kind", "id", "before_props", "after_props", "time"],
  imports: ["id", "source", "api", "action", "file", "revision", "commit_sha", "time", "log"],
  signing_keys: [
    "kid",
    "alg",
    "public_jwk",
    "private_key",
    "encrypted",
    "created_at",
    "retired_at",
    "expires_at",
  ],
  user_passwords: ["user_id", "hash", "updated_at"],
  grants: [
    "id",
    "client_id",
    "user_id",
    "scopes",
    "audiences",
    "auth_time",
    "nonce",
    "created_at",
    "revoked_at",
    "revoked_reason",
    "granted",
  ],
  authorization_codes: ["code_sha256", "grant_id", "redirect_uri", "code_challenge", "expires_at", "used_at"],
  refresh_tokens: ["token_sha256", "grant_id", "created_at", "expires_at", "used_at"],
  sync_status: ["id", "status", "updated_at"],
} as const satisfies Record<(typeof DUMPED_TABLES)[number], readonly string[]>;

const json = (text: unknown): unknown =>
  text === null || text === undefined ? null : JSON.parse(String(text));
const str = (value: unknown): string => String(value);
const num = (value: unknown): number => Number(value);
/** `key` set only when the column is not NULL (the records' optional fields). */
function optional<T extends object>(record: T, key: string, value: unknown): T {
  if (value !== null && value !== undefined) (record as NamedRow)[key] = value;
  return record;
}

export function dumpOfRows(tables: DumpTables): StoreDump {
  return {
    format: DUMP_FORMAT,
    revision: num(tables.meta.revision),
    keysVersion: num(tables.meta.keys_version),
    resources: tables.resources.map((r) =>
      optional(
        {
          kind: r.kind as ResourceKind,
          id: str(r.id),
          props: json(r.props),
          managedBy: str(r.managed_by),
          createdRevision: num(r.created_revision),
          updatedRevision: num(r.updated_revision),
        } as StoredResource,
        "commit",
        r.commit_sha,
      ),
    ),
    revisions: tables.revisions.map((r) =>
      optional(
        {
          revision: num(r.revision),
          actor: str(r.actor),
          time: str(r.time),
          summary: json(r.summary) as Record<string, number>,
        },
        "commit",
        json(r.commit_info) as CommitInfo | null,
      ),
    ),
    audit: tables.audit.map((r) =>
      optional(
        {
          revision: num(r.revision),
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
    imports: tables.imports.map((r) =>
      optional(
        {
          id: num(r.id),
          source: str(r.source),
          api: str(r.api),
          action: r.action as "upload" | "replace" | "delete",
          file: json(r.file) as StoreDump["imports"][number]["file"],
          revision: num(r.revision),
          time: str(r.time),
          log: json(r.log) as StoreDump["imports"][number]["log"],
        },
        "commit",
        r.commit_sha,
      ),
    ),
    signingKeys: tables.signing_keys.map((r) => {
      const key: SigningKeyRecord = {
        kid: str(r.kid),
        alg: r.alg as SigningKeyRecord["alg"],
        publicJwk: json(r.public_jwk) as Record<string, unknown>,
        privateKey: str(r.private_key),
        encrypted: r.encrypted === true || r.encrypted === 1,
        createdAt: str(r.created_at),
      };
      optional(key, "retiredAt", r.retired_at);
      return optional(key, "expiresAt", r.expires_at);
    }),
    passwords: tables.user_passwords.map((r) => ({
      userId: str(r.user_id),
      hash: str(r.hash),
      updatedAt: str(r.updated_at),
    })),
    grants: tables.grants.map((r) => {
      const grant = {
        id: str(r.id),
        clientId: str(r.client_id),
        userId: str(r.user_id),
        scopes: json(r.scopes) as string[],
        audiences: json(r.audiences) as string[],
        // NULL only in a grant from before SQLite's migration 5, which revoked it: it grants nothing.
        granted: (json(r.granted) ?? {
          openIdScopes: [],
          audiences: [],
        }) as StoreDump["grants"][number]["granted"],
        authTime: num(r.auth_time),
        createdAt: str(r.created_at),
      };
      optional(grant, "nonce", r.nonce);
      optional(grant, "revokedAt", r.revoked_at);
      return optional(grant, "revokedReason", r.revoked_reason);
    }),
    codes: tables.authorization_codes.map((r) =>
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
    refreshTokens: tables.refresh_tokens.map((r) =>
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
    syncStatus: tables.sync_status.map((r) => ({
      id: str(r.id),
      status: json(r.status) as StoreDump["syncStatus"][number]["status"],
    })),
  };
}

const orNull = (value: unknown) => (value === undefined ? null : value);
const text = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The rows a dump writes, per table, as column-value arrays in DUMP_COLUMNS order. */
export function rowsOfDump(dump: StoreDump): { [T in (typeof DUMPED_TABLES)[number]]: unknown[][] } {
  return {
    resources: dump.resources.map((r) => [
      r.kind,
      r.id,
      JSON.stringify(r.props),
      r.managedBy,
      orNull(r.commit),
      r.createdRevision,
      r.updatedRevision,
    ]),
    revisions: dump.revisions.map((r) => [
      r.revision,
      r.actor,
      text(r.commit),
      r.time,
      JSON.stringify(r.summary),
    ]),
    audit: dump.audit.map((a) => [
      a.revision,
      a.actor,
      orNull(a.commit),
      a.kind,
      a.id,
      text(a.before),
      text(a.after),
      a.time,
    ]),
    imports: dump.imports.map((i) => [
      i.id,
      i.source,
      i.api,
      i.action,
      JSON.stringify(i.file),
      i.revision,
      orNull(i.commit),
      i.time,
      JSON.stringify(i.log),
    ]),
    signing_keys: dump.signingKeys.map((k) => [
      k.kid,
      k.alg,
      JSON.stringify(k.publicJwk),
      k.privateKey,
      k.encrypted,
      k.createdAt,
      orNull(k.retiredAt),
      orNull(k.expiresAt),
    ]),
    user_passwords: dump.passwords.map((p) => [p.userId, p.hash, p.updatedAt]),
    grants: dump.grants.map((g) => [
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
    ]),
    authorization_codes: dump.codes.map((c) => [
      c.codeSha256,
      c.grantId,
      c.redirectUri,
      c.codeChallenge,
      c.expiresAt,
      orNull(c.usedAt),
    ]),
    refresh_tokens: dump.refreshTokens.map((t) => [
      t.tokenSha256,
      t.grantId,
      t.createdAt,
      t.expiresAt,
      orNull(t.usedAt),
    ]),
    sync_status: dump.syncStatus.map((s) => [s.id, JSON.stringify(s.status), s.status.checkedAt]),
  };
}

/**
 * When each grant may be pruned, as createGrant and the token writes keep it: a day after creation,
 * raised to an hour after each of its codes' expiry and to each of its refresh tokens' expiry (ms).
 */
export function pruneAfterOf(dump: StoreDump): Map<string, number> {
  const after = new Map<string, number>();
  const raise = (id: string, ms: number) => after.set(id, Math.max(after.get(id) ?? 0, ms));
  for (const g of dump.grants) raise(g.id, Date.parse(g.createdAt) + 86_400_000);
  for (const c of dump.codes) raise(c.grantId, Date.parse(c.expiresAt) + 3_600_000);
  for (const t of dump.refreshTokens) raise(t.grantId, Date.parse(t.expiresAt));
  return after;
}
