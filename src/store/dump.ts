/**
 * A whole store as data: what `scopectl store copy` reads from one store and writes into another
 * (SQLite to PostgreSQL and back). Every row of reconciled state (resources, revisions, audit, import
 * history, the revision counter) and of runtime state that outlives a process (signing keys and their
 * version, passwords, grants, codes, refresh tokens, sync status). Not copied: what is only about the
 * processes running now (the sync leader, the failed-authentication counts).
 *
 * Values are the stores' own records, so a dump means the same in both backends; JSON texts are written
 * back as the source wrote them (JSON.stringify of what it parsed), so rows compare equal after a copy.
 * Backend-neutral: every Store implementation keeps this shape.
 */
import { ScopectlError } from "../core/errors.ts";
import type { StoredResource } from "../model/resources.ts";
import type { AuditRecord, ImportRecord, RevisionRecord } from "./resources.ts";
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord } from "./sign-in.ts";
import type { SigningKeyRecord } from "./signing-keys.ts";
import type { SyncStatus } from "./sync-status.ts";

export const DUMP_FORMAT = "scopectl-store-dump/1";

export interface StoreDump {
  format: typeof DUMP_FORMAT;
  revision: number;
  keysVersion: number;
  resources: StoredResource[];
  /** Oldest first. */
  revisions: RevisionRecord[];
  /** In the order they were written. */
  audit: AuditRecord[];
  /** Oldest first, with their ids. */
  imports: ImportRecord[];
  /** Oldest first. */
  signingKeys: SigningKeyRecord[];
  passwords: { userId: string; hash: string; updatedAt: string }[];
  grants: GrantRecord[];
  codes: (AuthorizationCodeRecord & { usedAt?: string })[];
  refreshTokens: (RefreshTokenRecord & { usedAt?: string })[];
  syncStatus: { id: string; status: SyncStatus }[];
}

/** How many rows of each part a dump holds: what `store copy` reports. */
export function dumpCounts(dump: StoreDump): Record<string, number> {
  return {
    resources: dump.resources.length,
    revisions: dump.revisions.length,
    audit: dump.audit.length,
    imports: dump.imports.length,
    signingKeys: dump.signingKeys.length,
    passwords: dump.passwords.length,
    grants: dump.grants.length,
    codes: dump.codes.length,
    refreshTokens: dump.refreshTokens.length,
    syncStatus: dump.syncStatus.length,
  };
}

export interface DumpStore {
  /** Everything, read in one consistent read transaction. */
  dump(): Promise<StoreDump>;
  /**
   * Writes `dump` into this store in one transaction. Only into an empty store (revision 0, no rows of
   * any part): a copy never merges, so nothing the target held can be lost or mixed in. Refused with
   * StoreNotEmptyError otherwise, and nothing is written.
   */
  restore(dump: StoreDump): Promise<void>;
}

export class StoreNotEmptyError extends ScopectlError {
  static readonly code = "store.not-empty";
  declare readonly code: typeof StoreNotEmptyError.code;

  constructor(
    readonly description: string,
    readonly revision: number,
  ) {
    super(
      StoreNotEmptyError.code,
      `the store ${description} is not empty (revision ${revision}, or sign-in state or keys): copy into a new, empty store`,
    );
    this.name = "StoreNotEmptyError";
  }
}
