/**
 * Where the git sync loop keeps its status: runtime state the loop rewrites after every check, kept
 * beside the resources without a revision. Backend-neutral: every Store implementation keeps this shape.
 */

import type { ResourceKind } from "../model/resources.ts";

/**
 * The git sync loop's status (issue 7), as `scopectl status` and `GET /v1/sync` show it. `Synced`: the
 * branch head is applied and the store has not drifted from it; `OutOfSync`: a commit is waiting, or
 * the store has drifted; `Failed`: the last commit tried could not be applied (the store is unchanged).
 */
export type SyncState = "Synced" | "OutOfSync" | "Failed";

/**
 * Why the status is what it is, one stable word beside the human sentence (as Flux's conditions carry
 * a reason beside their message), for alerts and scripts to match on:
 *
 * - `Succeeded` (Synced): the branch head is applied and the store has not drifted;
 * - `CommitsPending` (OutOfSync): commits after the last applied one are still to be applied;
 * - `DriftDetected` (OutOfSync): the store differs from what the last applied commit produced;
 * - `FetchFailed` (Failed): the repository could not be fetched;
 * - `SignatureRefused` (Failed): `--require-signed` refused the commit;
 * - `ConflictsFound` (Failed): the commit's plan changes rows another manager holds;
 * - `CommitFailed` (Failed): the commit could not be applied (invalid manifests, a refused change…);
 * - `SecretsUnavailable` (Failed): the secrets' destination could not be opened; the commit is retried;
 * - `SecretsLost` (Failed): applied, but its generated secrets could not be written;
 * - `DriftCheckFailed` (Failed): whether the store drifted could not be checked (or healed).
 */
export const SYNC_REASONS = [
  "Succeeded",
  "CommitsPending",
  "DriftDetected",
  "FetchFailed",
  "SignatureRefused",
  "ConflictsFound",
  "CommitFailed",
  "SecretsUnavailable",
  "SecretsLost",
  "DriftCheckFailed",
] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

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
  /** The reason code of that failure. */
  reason?: SyncReason;
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
  /** Why, as a stable code (absent only in a status saved by an older scopectl). */
  reason?: SyncReason;
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
