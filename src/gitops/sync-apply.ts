/**
 * How the sync loop applies one commit (or its self-heal plan) through the engine, and how it words
 * what went wrong: the secrets' destination opened first, the leadership confirmed right before the
 * transaction, and each refusal turned into the error the loop's status reports.
 */
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import { type ReconcileSource, reconcile } from "../engine/reconcile.ts";
import type { CommitInfo } from "../model/resources.ts";
import type { Plan } from "../plan/types.ts";
import type { OneTimeSecret } from "../providers/types.ts";
import type { Store } from "../store/store.ts";
import type { SyncReason } from "../store/sync-status.ts";

/** An opened destination for generated secrets (see SyncOptions.openSecrets). */
export interface SecretsSink {
  write(secrets: OneTimeSecret[], commit: string): Promise<void>;
  close(): Promise<void>;
}

/** The secrets' destination cannot be opened: nothing was applied, and the commit is to be retried. */
export class SecretsUnavailableError extends ScopectlError {
  static readonly code = "sync.secrets-unavailable";
  declare readonly code: typeof SecretsUnavailableError.code;

  constructor(cause: unknown) {
    super(SecretsUnavailableError.code, cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "SecretsUnavailableError";
  }
}

/**
 * This loop no longer leads (checked right before the transaction): nothing was applied, and the loop
 * that leads now applies the commit. Never reaches a user: the pass ends without saving a status.
 */
export class LeadershipLostError extends Error {
  constructor() {
    super("this loop no longer leads the sync");
    this.name = "LeadershipLostError";
  }
}

/** A commit's conflicts, all of them, one line each: the status is where they are read. */
export const everyConflict = (plan: Plan) =>
  new ScopectlError("plan.conflict", plan.conflicts.map((c) => `${c.kind} ${c.id}: ${c.message}`).join("\n"));

/** The reason code of a commit that was not applied, from the code of what refused it. */
export function failureReason(error: unknown): SyncReason {
  if (!(error instanceof ScopectlError)) return "CommitFailed";
  if (error.code === "sync.commit-refused") return "SignatureRefused";
  if (error.code === "plan.conflict") return "ConflictsFound";
  return "CommitFailed";
}

/**
 * One line per diagnostic, with paths relative to the repository rather than the clone, and no URL
 * credentials (the status and the logs are read by people who must not get the token).
 */
export function describe(error: unknown, cloneDir?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactUrls(cloneDir ? message.split(`${cloneDir}${path.sep}`).join("") : message);
}

export interface SyncApply {
  actor: string;
  commit: CommitInfo;
  sha: string;
  conflictError: (plan: Plan) => Error;
  openSecrets?: () => Promise<SecretsSink>;
  /** Asked right before the transaction: false (this loop no longer leads) applies nothing. */
  stillLeads: () => Promise<boolean>;
}

/**
 * Plans (or takes the drift plan) and applies through the engine, the secrets' destination opened
 * first: a destination that cannot take them stops the apply (nothing made, nothing lost), thrown as
 * SecretsUnavailableError. A plan with conflicts throws `conflictError`; a loop that no longer leads
 * throws LeadershipLostError. A failure to write the secrets after the apply, which cannot be undone,
 * comes back as `secretsError`; `revision` is unset when there was nothing to change.
 */
export async function applyForSync(
  store: Store,
  source: ReconcileSource,
  how: SyncApply,
): Promise<{ plan: Plan; revision?: number; secretsError?: string }> {
  const { actor, commit, sha, conflictError, openSecrets } = how;
  const result = await reconcile(store, source, {
    actor,
    commit,
    ...(openSecrets
      ? {
          openSecrets: async () => {
            const sink = await openSecrets();
            // A failed close must not turn an applied commit into a failed one.
            return {
              write: (secrets) => sink.write(secrets, sha),
              close: () => sink.close().catch(() => undefined),
            };
          },
        }
      : {}),
    // The fence: planned at a revision, confirmed as leader, then applied only if the store is still at
    // that revision (the transaction checks it), so a loop that stalled past its leadership applies
    // nothing that the leader after it has not planned itself.
    confirm: () => how.stillLeads(),
  });
  switch (result.outcome) {
    case "applied":
      return {
        plan: result.plan,
        revision: result.revision,
        ...(result.secretsError ? { secretsError: describe(result.secretsError.error) } : {}),
      };
    case "unchanged":
      return { plan: result.plan };
    case "conflicts":
      throw conflictError(result.plan);
    case "secrets-unavailable":
      throw new SecretsUnavailableError(result.error);
    case "cancelled":
      throw new LeadershipLostError();
    default:
      // No blockers are passed: "blocked" cannot happen.
      throw new Error(`sync: unexpected reconcile outcome ${result.outcome}`);
  }
}
