/**
 * The Store: the truth the token service reads. SQLite (`sqlite/`) is the embedded implementation; the
 * interface is async and row-oriented so that a PostgreSQL implementation (several token service
 * replicas, one reconciler holding a lock) fits without changes above this layer.
 *
 * Concerns. The interface is composed of one interface per concern, each in its own file with its
 * records, and every implementation mirrors that split file for file (`sqlite/resources.ts` implements
 * `resources.ts`, and so on):
 * - `resources.ts`: resources, revisions, the audit log and the OpenAPI import history;
 * - `signing-keys.ts`: the token signing keys and their version counter;
 * - `sign-in.ts`: password hashes, grants, authorization codes and refresh tokens;
 * - `sync-status.ts`: the git sync loop's status;
 * - `sync-leader.ts`: which one sync loop may apply (a lock, and who holds it);
 * - `changes.ts`: notifications of new revisions and key rotations, for replicas to reload at once;
 * - `rate-limits.ts`: where the token service's failed-authentication limiters count;
 * - `dump.ts`: the whole store as data, read in one snapshot and written into an empty store (copy);
 * - `plan-records.ts`: what the last plan of a folder found, and the digest of the rows plans read.
 * `sign-in-rules.ts` and `checks.ts` hold what every implementation must decide alike: which resource
 * writes end sign-ins, and which inputs a store refuses.
 *
 * Reconciled state and runtime state. Resources, revisions, audit rows and import history are
 * reconciled state: written only inside `transaction()`, by the providers during an apply (CLI, sync
 * loop or Pulumi), checked against the revision the plan was made from, one revision and one audit row
 * per change. Signing keys, sign-in state and sync status are runtime state: the token service and the
 * sync loop write them directly, each write its own small transaction under the same write lock, with
 * no revision, no audit row and no place in a plan. The two meet in one place: a transaction that
 * disables or removes a User or an Application revokes its grants in the same transaction.
 */

import { ScopectlError } from "../core/errors.ts";
import type { ChangeFeedStore } from "./changes.ts";
import type { DumpStore } from "./dump.ts";
import type { PlanRecordStore } from "./plan-records.ts";
import type { RateLimitStore } from "./rate-limits.ts";
import type { ResourceStore } from "./resources.ts";
import type { SignInStore } from "./sign-in.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { SyncLeaderStore } from "./sync-leader.ts";
import type { SyncStatusStore } from "./sync-status.ts";

export interface Store
  extends ResourceStore,
    SigningKeyStore,
    SignInStore,
    SyncStatusStore,
    SyncLeaderStore,
    ChangeFeedStore,
    RateLimitStore,
    DumpStore,
    PlanRecordStore {
  /** What kind of store this is. */
  readonly kind: "sqlite" | "postgres";
  /** Where it is, for messages: a file path, or a URL without its password (describeStoreLocation). */
  readonly description: string;
  /** Waits for the writes already started, then releases the store; every later call is refused. */
  close(): Promise<void>;
}

/**
 * Whether a store call failed only because the store cannot take it right now: its database is
 * unreachable (StoreUnavailableError), or another writer held the lock it waited for past its timeout
 * (StoreLockedError: a large apply revoking the grants a refresh wants). Nothing was written, and the
 * same request may simply be sent again: the token service answers 503 with Retry-After.
 */
export function isStoreBusy(error: unknown): error is StoreUnavailableError | StoreLockedError {
  return error instanceof StoreUnavailableError || error instanceof StoreLockedError;
}

/**
 * The store's database cannot be reached right now (PostgreSQL stopped, the network down, the pool
 * exhausted for too long). Nothing was written. The token service answers 503 with Retry-After to
 * what needs a write; everything recovers by itself when the database is back.
 */
export class StoreUnavailableError extends ScopectlError {
  static readonly code = "store.unavailable";
  declare readonly code: typeof StoreUnavailableError.code;

  constructor(
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(StoreUnavailableError.code, `the store ${description} cannot be reached; try again`, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * Another writer (an apply in another process) held the store's write lock for longer than the store
 * waits for it. Nothing was written; running the command again is safe.
 */
export class StoreLockedError extends ScopectlError {
  static readonly code = "store.locked";
  declare readonly code: typeof StoreLockedError.code;

  constructor(
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(
      StoreLockedError.code,
      `another writer held the store's write lock too long (${file}); nothing was written, try again`,
      options,
    );
    this.name = "StoreLockedError";
  }
}
