/**
 * A StoreDump to and from table rows, for both backends: their tables have the same names and columns
 * (src/store/postgres/migrations.ts keeps SQLite's), so only the SQL that reads and writes them differs.
 * Rows come as arrays in DUMP_COLUMNS' order (better-sqlite3's `raw()`, pg's `rowMode: "array"`) and map
 * to records with the stores' own mappers (records.ts), which even out what the drivers give
 * differently.
 */
import { DUMP_FORMAT, type StoreDump } from "./dump.ts";
import {
  AUDIT_COLUMNS,
  GRANT_COLUMNS,
  IMPORT_COLUMNS,
  KEY_COLUMNS,
  RESOURCE_COLUMNS,
  REVISION_COLUMNS,
  type Row,
  toAudit,
  toGrant,
  toImport,
  toResource,
  toRevision,
  toSigningKey,
} from "./records.ts";

/** The rows of each table a dump covers, in the dump's order; `meta` holds revision and keys_version. */
export interface DumpTables {
  meta: { revision: number; keys_version: number };
  resources: Row[];
  revisions: Row[];
  audit: Row[];
  imports: Row[];
  signing_keys: Row[];
  user_passwords: Row[];
  grants: Row[];
  authorization_codes: Row[];
  refresh_tokens: Row[];
  sync_status: Row[];
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

const columnsOf = (list: string): string[] => list.split(", ");

/**
 * The columns a dump reads and writes, per table (PostgreSQL's extra timestamptz columns aside): for
 * the tables the stores read already, the very lists their reads use (records.ts), so that a dumped row
 * maps to its record with the same code.
 */
export const DUMP_COLUMNS: Record<(typeof DUMPED_TABLES)[number], readonly string[]> = {
  resources: columnsOf(RESOURCE_COLUMNS),
  revisions: columnsOf(REVISION_COLUMNS),
  audit: columnsOf(AUDIT_COLUMNS),
  imports: columnsOf(IMPORT_COLUMNS),
  signing_keys: columnsOf(KEY_COLUMNS),
  user_passwords: ["user_id", "hash", "updated_at"],
  grants: columnsOf(GRANT_COLUMNS),
  authorization_codes: ["code_sha256", "grant_id", "redirect_uri", "code_challenge", "expires_at", "used_at"],
  refresh_tokens: ["token_sha256", "grant_id", "created_at", "expires_at", "used_at"],
  sync_status: ["id", "status", "updated_at"],
};

/** `key` set only when the column is not NULL (the records' optional fields). */
function optional<T extends object>(record: T, key: string, value: unknown): T {
  if (value !== null && value !== undefined) (record as Record<string, unknown>)[key] = value;
  return record;
}

export function dumpOfRows(tables: DumpTables): StoreDump {
  const str = (value: unknown) => String(value);
  return {
    format: DUMP_FORMAT,
    revision: Number(tables.meta.revision),
    keysVersion: Number(tables.meta.keys_version),
    resources: tables.resources.map(toResource),
    revisions: tables.revisions.map(toRevision),
    audit: tables.audit.map(toAudit),
    imports: tables.imports.map(toImport),
    signingKeys: tables.signing_keys.map(toSigningKey),
    passwords: tables.user_passwords.map(([userId, hash, updatedAt]) => ({
      userId: str(userId),
      hash: str(hash),
      updatedAt: str(updatedAt),
    })),
    grants: tables.grants.map((row) => toGrant(row)),
    codes: tables.authorization_codes.map(
      ([codeSha256, grantId, redirectUri, codeChallenge, expiresAt, usedAt]) =>
        optional(
          {
            codeSha256: str(codeSha256),
            grantId: str(grantId),
            redirectUri: str(redirectUri),
            codeChallenge: str(codeChallenge),
            expiresAt: str(expiresAt),
          },
          "usedAt",
          usedAt,
        ),
    ),
    refreshTokens: tables.refresh_tokens.map(([tokenSha256, grantId, createdAt, expiresAt, usedAt]) =>
      optional(
        {
          tokenSha256: str(tokenSha256),
          grantId: str(grantId),
          createdAt: str(createdAt),
          expiresAt: str(expiresAt),
        },
        "usedAt",
        usedAt,
      ),
    ),
    syncStatus: tables.sync_status.map(([id, status]) => ({
      id: str(id),
      status: JSON.parse(str(status)) as StoreDump["syncStatus"][number]["status"],
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
