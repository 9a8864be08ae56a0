/**
 * The stores' rows as records, for both backends: their tables have the same names and columns, so a
 * row read with the column lists below maps to the same record whichever database it came from. Rows
 * are arrays in those columns' order (better-sqlite3's `raw()`, pg's `rowMode: "array"`). What the
 * drivers give differently is evened out here: a boolean (SQLite's 0/1, PostgreSQL's true/false), a
 * bigint (pg's string), a grant's nonce (PostgreSQL keeps it as bytea: a NUL fits there, not in text).
 */
import type { CommitInfo, ResourceKind, StoredResource } from "../model/resources.ts";
import type { AuditRecord, ImportRecord, RevisionRecord } from "./resources.ts";
import type { GrantRecord } from "./sign-in.ts";
import type { SigningKeyRecord } from "./signing-keys.ts";

/** A row as the statements return it: an array of column values. */
export type Row = unknown[];

export const RESOURCE_COLUMNS = "kind, id, props, managed_by, commit_sha, created_revision, updated_revision";
export const AUDIT_COLUMNS = "revision, actor, commit_sha, kind, id, before_props, after_props, time";
export const IMPORT_COLUMNS = "id, source, api, action, file, revision, commit_sha, time, log";
export const REVISION_COLUMNS = "revision, actor, commit_info, time, summary";
export const KEY_COLUMNS = "kid, alg, public_jwk, private_key, encrypted, created_at, retired_at, expires_at";
export const GRANT_COLUMNS =
  "id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, granted";

const parseJson = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));
/** Text, or bytes read back as the UTF-8 text they were written from. */
const textOf = (value: unknown): string =>
  Buffer.isBuffer(value) ? value.toString("utf8") : (value as string);

export function toResource(row: Row): StoredResource {
  const resource = {
    kind: row[0],
    id: row[1],
    props: JSON.parse(row[2] as string),
    managedBy: row[3],
    createdRevision: Number(row[5]),
    updatedRevision: Number(row[6]),
  } as StoredResource;
  if (row[4] !== null) resource.commit = row[4] as string;
  return resource;
}

export function toAudit(row: Row): AuditRecord {
  const record: AuditRecord = {
    revision: Number(row[0]),
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

export function toImport(row: Row): ImportRecord {
  const record: ImportRecord = {
    id: Number(row[0]),
    source: row[1] as string,
    api: row[2] as string,
    action: row[3] as ImportRecord["action"],
    file: JSON.parse(row[4] as string),
    revision: Number(row[5]),
    time: row[7] as string,
    log: JSON.parse(row[8] as string),
  };
  if (row[6] !== null) record.commit = row[6] as string;
  return record;
}

export function toRevision(row: Row): RevisionRecord {
  const record: RevisionRecord = {
    revision: Number(row[0]),
    actor: row[1] as string,
    time: row[3] as string,
    summary: JSON.parse(row[4] as string),
  };
  if (row[2] !== null) record.commit = JSON.parse(row[2] as string) as CommitInfo;
  return record;
}

export function toSigningKey(row: Row): SigningKeyRecord {
  const record: SigningKeyRecord = {
    kid: row[0] as string,
    alg: row[1] as SigningKeyRecord["alg"],
    publicJwk: JSON.parse(row[2] as string),
    privateKey: row[3] as string,
    encrypted: row[4] === true || row[4] === 1,
    createdAt: row[5] as string,
  };
  if (row[6] !== null) record.retiredAt = row[6] as string;
  if (row[7] !== null) record.expiresAt = row[7] as string;
  return record;
}

/** A grant from GRANT_COLUMNS starting at `offset` (a join may select other columns first). */
export function toGrant(row: Row, offset = 0): GrantRecord {
  const at = (i: number) => row[offset + i];
  const granted = at(10);
  const grant: GrantRecord = {
    id: at(0) as string,
    clientId: at(1) as string,
    userId: at(2) as string,
    scopes: JSON.parse(at(3) as string),
    audiences: JSON.parse(at(4) as string),
    // NULL only in a grant from before SQLite's migration 5 (or copied from such a store), which revoked
    // it: it grants nothing.
    granted: granted === null ? { openIdScopes: [], audiences: [] } : JSON.parse(granted as string),
    authTime: Number(at(5)),
    createdAt: at(7) as string,
  };
  if (at(6) !== null) grant.nonce = textOf(at(6));
  if (at(8) !== null) grant.revokedAt = at(8) as string;
  if (at(9) !== null) grant.revokedReason = at(9) as string;
  return grant;
}
