/**
 * The git sync loop (issue 7): fetch the tracked branch, apply each new commit in order (validate,
 * plan, apply: all or nothing), then compare the store with what the last applied commit produced
 * (drift) and, with self-heal, restore it. The status after every pass is saved in the store, where
 * `scopectl status` and `GET /v1/sync` read it.
 *
 * Order and failure. The cursor is the last commit tried: the next pass tries the commits after it,
 * oldest first, so a bad commit is reported once (status Failed, the store unchanged) and the next good
 * commit applies on top of the last good state. A head that no longer descends from the cursor means
 * the history was rewritten (a force-push): that is reported and the new head is applied.
 */
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";
import { redactDeep, redactUrls } from "../core/redact.ts";
import { PlanConflictError } from "../engine/apply.ts";
import { planFolder } from "../engine/plan-folder.ts";
import { type ReconcileSource, reconcile } from "../engine/reconcile.ts";
import type { CommitInfo } from "../model/resources.ts";
import type { Plan } from "../plan/types.ts";
import type { OneTimeSecret } from "../providers/types.ts";
import type { Store } from "../store/store.ts";
import type { DriftEntry, SyncCommit, SyncReason, SyncStatus } from "../store/sync-status.ts";
import type { SyncLogger } from "./logger.ts";
import type { GitMirror } from "./mirror.ts";
import { PassSchedule } from "./pass-schedule.ts";

export interface SyncOptions {
  store: Store;
  mirror: GitMirror;
  /** The manifest folder inside the repository ("." for its root). */
  path: string;
  /** Restore rows that drifted from the last applied commit. */
  selfHeal?: boolean;
  /**
   * Refuse commits that are not signed by a key of this allowed-signers file; returns why a commit is
   * refused, or undefined when it may be applied.
   */
  verifyCommit?: (sha: string) => Promise<string | undefined>;
  logger: SyncLogger;
  /**
   * Where the generated secrets of an apply (new applications, API keys) go: they are shown nowhere
   * else. Opened before each apply, so that a destination that cannot take them (a bad --secrets-out)
   * stops the apply instead of the secrets being made and lost.
   */
  openSecrets?: () => Promise<SecretsSink>;
  /** Called after each applied commit, with the store revision it produced. */
  onApplied?: (commit: SyncCommit) => void;
}

/** An opened destination for generated secrets (see SyncOptions.openSecrets). */
export interface SecretsSink {
  write(secrets: OneTimeSecret[], commit: string): Promise<void>;
  close(): Promise<void>;
}

/** The secrets' destination cannot be opened: nothing was applied, and the commit is to be retried. */
class SecretsUnavailableError extends ScopectlError {
  static readonly code = "sync.secrets-unavailable";
  declare readonly code: typeof SecretsUnavailableError.code;

  constructor(cause: unknown) {
    super(SecretsUnavailableError.code, cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "SecretsUnavailableError";
  }
}

const ACTOR = "scopectl sync";

/** A commit's conflicts, all of them, one line each: the status is where they are read. */
const everyConflict = (plan: Plan) =>
  new ScopectlError("plan.conflict", plan.conflicts.map((c) => `${c.kind} ${c.id}: ${c.message}`).join("\n"));

/** The reason code of a commit that was not applied, from the code of what refused it. */
function failureReason(error: unknown): SyncReason {
  if (!(error instanceof ScopectlError)) return "CommitFailed";
  if (error.code === "sync.commit-refused") return "SignatureRefused";
  if (error.code === "plan.conflict") return "ConflictsFound";
  return "CommitFailed";
}

/**
 * One line per diagnostic, with paths relative to the repository rather than the clone, and no URL
 * credentials (the status and the logs are read by people who must not get the token).
 */
function describe(error: unknown, cloneDir?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactUrls(cloneDir ? message.split(`${cloneDir}${path.sep}`).join("") : message);
}

export class SyncLoop {
  readonly #options: SyncOptions;
  readonly #schedule: PassSchedule<SyncStatus>;

  constructor(options: SyncOptions) {
    this.#options = options;
    this.#schedule = new PassSchedule(
      () => this.#pass(),
      (error) => options.logger.error({ err: describe(error) }, "sync pass failed"),
    );
  }

  get #folder(): string {
    return path.join(this.#options.mirror.dir, this.#options.path);
  }

  /**
   * One pass; passes never overlap: a call during a pass runs one more pass after it (calls and
   * triggers during one pass share that one) and resolves with that pass's status.
   */
  syncOnce(): Promise<SyncStatus> {
    return this.#schedule.runNow();
  }

  /**
   * Syncs now, then `intervalMs` after the end of every pass (timed or triggered), until stop(). Errors
   * are in the status, never thrown.
   */
  start(intervalMs: number): void {
    this.#schedule.start(intervalMs);
  }

  /** A sync as soon as the current pass (if any) ends: what a webhook calls. Never lost, never doubled. */
  trigger(): void {
    this.#schedule.trigger();
  }

  /** Cancels the timer and any owed pass, and waits for the running pass. */
  stop(): Promise<void> {
    return this.#schedule.stop();
  }

  async #pass(): Promise<SyncStatus> {
    const { store, mirror, logger } = this.#options;
    const previous = await store.syncStatus();
    const now = () => new Date().toISOString();
    const status: SyncStatus = {
      state: "Synced",
      repo: mirror.url,
      branch: mirror.branch,
      path: this.#options.path,
      drift: [],
      checkedAt: now(),
      ...(previous?.lastApplied ? { lastApplied: previous.lastApplied } : {}),
      ...(previous?.lastAttempted ? { lastAttempted: previous.lastAttempted } : {}),
      // A failed commit stays reported until a later one applies (its error travels with it); a failed
      // fetch or drift check only until the next pass.
      ...(previous?.lastAttempted?.error && previous.lastAttempted.sha !== previous.lastApplied?.sha
        ? {
            error: previous.lastAttempted.error,
            ...(previous.lastAttempted.reason ? { reason: previous.lastAttempted.reason } : {}),
          }
        : {}),
      ...(previous?.rewrite ? { rewrite: previous.rewrite } : {}),
    };
    let head: string;
    try {
      head = await mirror.fetch();
    } catch (error) {
      status.state = "Failed";
      status.reason = "FetchFailed";
      status.error = describe(error, mirror.dir);
      logger.error({ repo: mirror.url, branch: mirror.branch, err: status.error }, "sync: fetch failed");
      return this.#save(status);
    }
    status.head = head;

    for (const sha of await this.#pending(status, head)) {
      // A commit that must be retried stops the pass: the ones after it must not apply first.
      if (!(await this.#applyCommit(status, sha))) break;
    }
    await this.#checkDrift(status);
    if (status.error) {
      status.state = "Failed";
      status.reason ??= "CommitFailed";
    } else if (status.lastApplied?.sha !== head) {
      status.state = "OutOfSync";
      status.reason = "CommitsPending";
    } else if (status.drift.length > 0) {
      status.state = "OutOfSync";
      status.reason = "DriftDetected";
    } else {
      status.state = "Synced";
      status.reason = "Succeeded";
    }
    status.checkedAt = now();
    return this.#save(status);
  }

  /** Saves the status (read by `scopectl status` and GET /v1/sync) without any URL credentials. */
  async #save(status: SyncStatus): Promise<SyncStatus> {
    const saved = redactDeep(status);
    await this.#options.store.saveSyncStatus(saved);
    return saved;
  }

  /** The commits to try, oldest first; records a history rewrite when the cursor left the branch. */
  async #pending(status: SyncStatus, head: string): Promise<string[]> {
    const { mirror, logger } = this.#options;
    const cursor = status.lastAttempted?.sha;
    if (cursor === undefined) return [head];
    if (cursor === head) return [];
    if (await mirror.isAncestor(cursor, head)) return mirror.commitsAfter(cursor, head);
    status.rewrite = { from: cursor, to: head, time: new Date().toISOString() };
    logger.warn(
      { branch: mirror.branch, from: cursor, to: head },
      "sync: the branch history was rewritten (force-push); applying its new head",
    );
    return [head];
  }

  /** Tries one commit; false when it must be tried again at the next pass (nothing after it may apply). */
  async #applyCommit(status: SyncStatus, sha: string): Promise<boolean> {
    const { mirror, logger } = this.#options;
    const info = await mirror.commitInfo(sha);
    const attempt: SyncCommit = {
      sha,
      subject: info.subject,
      author: info.author,
      time: new Date().toISOString(),
    };
    const previous = status.lastAttempted;
    status.lastAttempted = attempt;
    try {
      const refused = await this.#options.verifyCommit?.(sha);
      if (refused !== undefined) throw new ScopectlError("sync.commit-refused", refused);
      await mirror.checkout(sha);
      const { plan, revision, secretsError } = await this.#reconcile(
        { folder: this.#folder, displayBase: this.#folder },
        { actor: ACTOR, commit: info, sha, conflictError: everyConflict },
      );
      const applied = revision === undefined ? attempt : { ...attempt, revision };
      status.lastApplied = applied;
      delete status.error;
      delete status.reason;
      logger.info(
        { commit: sha, subject: info.subject, revision, changes: plan.changes.length },
        "sync: applied a commit",
      );
      if (secretsError) {
        status.error = `commit ${sha.slice(0, 12)} (${info.subject}) was applied (revision ${revision}), but its generated secrets could not be written and are lost (rotate them): ${secretsError}`;
        status.reason = "SecretsLost";
        attempt.error = status.error;
        attempt.reason = status.reason;
        logger.error({ commit: sha, err: status.error }, "sync: generated secrets were lost");
      }
      this.#options.onApplied?.(applied);
    } catch (error) {
      if (error instanceof SecretsUnavailableError) {
        // Not the commit's fault: the cursor stays before it, so it applies once the file is fixed.
        if (previous) status.lastAttempted = previous;
        else delete status.lastAttempted;
        status.error = `commit ${sha.slice(0, 12)} (${info.subject}) was not applied, and is retried at the next pass: ${describe(error.cause)}`;
        status.reason = "SecretsUnavailable";
        logger.error(
          { commit: sha, subject: info.subject, err: status.error },
          "sync: a commit was not applied",
        );
        return false;
      }
      status.error = `commit ${sha.slice(0, 12)} (${info.subject}) was not applied (manifests in ${this.#options.path}/): ${describe(error, mirror.dir)}`;
      status.reason = failureReason(error);
      attempt.error = status.error;
      attempt.reason = status.reason;
      logger.error(
        { commit: sha, subject: info.subject, err: status.error },
        "sync: a commit was not applied",
      );
    }
    return true;
  }

  /**
   * Plans (or takes the drift plan) and applies through the engine, the secrets' destination opened
   * first: a destination that cannot take them stops the apply (nothing made, nothing lost), thrown as
   * SecretsUnavailableError. A plan with conflicts throws `conflictError`. A failure to write the
   * secrets after the apply, which cannot be undone, comes back as `secretsError`; `revision` is unset
   * when there was nothing to change.
   */
  async #reconcile(
    source: ReconcileSource,
    how: { actor: string; commit: CommitInfo; sha: string; conflictError: (plan: Plan) => Error },
  ): Promise<{ plan: Plan; revision?: number; secretsError?: string }> {
    const { actor, commit, sha, conflictError } = how;
    const open = this.#options.openSecrets;
    const result = await reconcile(this.#options.store, source, {
      actor,
      commit,
      ...(open
        ? {
            openSecrets: async () => {
              const sink = await open();
              // A failed close must not turn an applied commit into a failed one.
              return {
                write: (secrets) => sink.write(secrets, sha),
                close: () => sink.close().catch(() => undefined),
              };
            },
          }
        : {}),
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
      default:
        // No blockers and no confirmation are passed: "blocked" and "cancelled" cannot happen.
        throw new Error(`sync: unexpected reconcile outcome ${result.outcome}`);
    }
  }

  /**
   * Drift: plan the last applied commit against the store. Any change is a row someone else changed
   * (the reconciler would have no change to make); self-heal applies that plan. Pruning stays limited
   * to rows the reconciler manages, as in every plan.
   */
  async #checkDrift(status: SyncStatus): Promise<void> {
    const { store, mirror, logger } = this.#options;
    status.drift = [];
    const applied = status.lastApplied?.sha;
    if (applied === undefined) return;
    try {
      await mirror.checkout(applied);
      const { plan } = await planFolder(store, this.#folder, { displayBase: this.#folder });
      const drift: DriftEntry[] = plan.changes.map((change) => ({
        action: change.action,
        kind: change.kind,
        id: change.id,
        diff: change.diff.map(({ path: field, before, after, added, removed }) => ({
          path: field,
          ...(before !== undefined ? { before } : {}),
          ...(after !== undefined ? { after } : {}),
          ...(added ? { added } : {}),
          ...(removed ? { removed } : {}),
        })),
      }));
      if (drift.length === 0) return;
      if (!this.#options.selfHeal) {
        status.drift = drift;
        logger.warn(
          { rows: drift.map((d) => `${d.kind} ${d.id}`) },
          "sync: the store has drifted from the last applied commit",
        );
        return;
      }
      const info = await mirror.commitInfo(applied);
      const result = await this.#reconcile(
        { plan },
        {
          actor: `${ACTOR} (self-heal)`,
          commit: info,
          sha: applied,
          // Reported as "the drift check failed: the plan has N conflicts and cannot be applied: ...".
          conflictError: (refused) => new PlanConflictError(refused),
        },
      );
      if (result.secretsError) {
        status.error = `self-heal applied revision ${result.revision}, but its generated secrets could not be written and are lost (rotate them): ${result.secretsError}`;
        status.reason = "SecretsLost";
        logger.error({ err: status.error }, "sync: generated secrets were lost");
      }
      logger.info(
        { rows: drift.map((d) => `${d.kind} ${d.id}`), revision: result.revision },
        "sync: healed drift",
      );
    } catch (error) {
      // Not knowing whether the store drifted is not "Synced".
      status.error = `the drift check failed: ${describe(error, mirror.dir)}`;
      status.reason = "DriftCheckFailed";
      logger.error({ err: status.error }, "sync: drift check failed");
    }
  }
}
