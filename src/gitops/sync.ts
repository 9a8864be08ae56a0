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
import { redactDeep } from "../core/redact.ts";
import { PlanConflictError } from "../engine/apply.ts";
import { earlierPlans, planFolder } from "../engine/plan-folder.ts";
import type { ReconcileSource } from "../engine/reconcile.ts";
import type { CommitInfo } from "../model/resources.ts";
import type { Plan } from "../plan/types.ts";
import { StaleRevisionError } from "../store/resources.ts";
import type { Store } from "../store/store.ts";
import type { SyncLeaderInfo, SyncLeadership } from "../store/sync-leader.ts";
import type { DriftEntry, SyncCommit, SyncStatus } from "../store/sync-status.ts";
import type { SyncLogger } from "./logger.ts";
import type { GitMirror } from "./mirror.ts";
import { PassSchedule } from "./pass-schedule.ts";
import {
  applyForSync,
  describe,
  everyConflict,
  failureReason,
  LeadershipLostError,
  type SecretsSink,
  SecretsUnavailableError,
} from "./sync-apply.ts";
import { defaultHolder, LeaderSeat, SyncLedElsewhereError } from "./sync-leadership.ts";

export type { SecretsSink } from "./sync-apply.ts";

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
  /** How this loop names itself as the sync leader (default: host name and process id). */
  holder?: string;
}

const ACTOR = "scopectl sync";

/**
 * What a pass ends with: the status it saved, or, when another loop leads (from the start, or since
 * during the pass), who leads and nothing saved.
 */
type PassResult = { status: SyncStatus } | { ledBy: SyncLeaderInfo | undefined };

export class SyncLoop {
  readonly #options: SyncOptions;
  readonly #schedule: PassSchedule<PassResult>;
  readonly #seat: LeaderSeat;
  /** The leadership the running pass holds (passes never overlap). */
  #leadership: SyncLeadership | undefined;
  /** What earlier passes read, so that only what changed is read again (manifest/cache.ts, store-rows.ts). */
  readonly #earlier = earlierPlans();

  constructor(options: SyncOptions) {
    this.#options = options;
    this.#schedule = new PassSchedule(
      () => this.#pass(),
      (error) => options.logger.error({ err: describe(error) }, "sync pass failed"),
    );
    this.#seat = new LeaderSeat(options.store, options.holder ?? defaultHolder(), options.logger, () =>
      this.trigger(),
    );
  }

  get #folder(): string {
    return path.join(this.#options.mirror.dir, this.#options.path);
  }

  /**
   * One pass; passes never overlap: a call during a pass runs one more pass after it (calls and
   * triggers during one pass share that one) and resolves with that pass's status. Throws
   * SyncLedElsewhereError when another loop leads (nothing fetched or applied here).
   */
  async syncOnce(): Promise<SyncStatus> {
    const result = await this.#schedule.runNow();
    if ("ledBy" in result) throw new SyncLedElsewhereError(result.ledBy);
    return result.status;
  }

  /**
   * Syncs now, then `intervalMs` after the end of every pass (timed or triggered), until stop(). Errors
   * are in the status, never thrown. While another loop leads, passes fetch and apply nothing, and
   * the loop tries to lead every second (gitops/sync-leadership.ts), passing at once when it has.
   */
  start(intervalMs: number): void {
    this.#seat.watch();
    this.#schedule.start(intervalMs);
  }

  /** A sync as soon as the current pass (if any) ends: what a webhook calls. Never lost, never doubled. */
  trigger(): void {
    this.#schedule.trigger();
  }

  /** Cancels the timer and any owed pass, waits for the running pass, and gives leadership up. */
  async stop(): Promise<void> {
    await this.#schedule.stop();
    await this.#seat.close();
  }

  /** A pass runs only while this loop leads; leadership is kept between passes. */
  async #pass(): Promise<PassResult> {
    const leadership = await this.#seat.lead();
    if (!leadership) return { ledBy: await this.#options.store.syncLeader() };
    this.#leadership = leadership;
    try {
      return await this.#leadingPass();
    } finally {
      this.#leadership = undefined;
    }
  }

  /** Still the leader, as the store says now (not only as the last renewal said)? */
  async #stillLeads(): Promise<boolean> {
    const leadership = this.#leadership;
    if (!leadership || leadership.lost.aborted) return false;
    return leadership.verify().catch(() => false);
  }

  /** Whether leadership is known lost: checked between commits, without asking the store. */
  get #lost(): boolean {
    return this.#leadership?.lost.aborted ?? true;
  }

  /**
   * The status the pass starts from is read from the store, so a new leader continues from the last
   * commit its predecessor recorded; one its predecessor applied without recording re-plans to nothing.
   */
  async #leadingPass(): Promise<PassResult> {
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
      // A commit that must be retried stops the pass: the ones after it must not apply first. So does
      // lost leadership: the loop that leads now applies the rest.
      if (this.#lost || !(await this.#applyCommit(status, sha))) break;
    }
    if (!this.#lost) await this.#checkDrift(status);
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

  /**
   * Saves the status (read by `scopectl status` and GET /v1/sync) without any URL credentials, if this
   * loop still leads: a loop that lost leadership must not overwrite its successor's status (nor move
   * the cursor it continues from).
   */
  async #save(status: SyncStatus): Promise<PassResult> {
    if (!(await this.#stillLeads())) return { ledBy: await this.#options.store.syncLeader() };
    const saved = redactDeep(status);
    await this.#options.store.saveSyncStatus(saved);
    return { status: saved };
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
        { folder: this.#folder, displayBase: this.#folder, ...this.#earlier },
        { actor: ACTOR, commit: info, sha, conflictError: everyConflict },
      );
      const recorded = revision ?? (await this.#revisionOf(sha));
      const applied = recorded === undefined ? attempt : { ...attempt, revision: recorded };
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
      const retried = error instanceof SecretsUnavailableError || error instanceof StaleRevisionError;
      if (retried || error instanceof LeadershipLostError) {
        // Not the commit's fault: the cursor stays before it, so it applies once the file is fixed, the
        // store has stopped moving under it (another writer, or a loop that led before this one), or
        // by the loop that leads now (this pass saves nothing then).
        if (previous) status.lastAttempted = previous;
        else delete status.lastAttempted;
      }
      if (error instanceof LeadershipLostError) return false;
      if (retried) {
        status.error = `commit ${sha.slice(0, 12)} (${info.subject}) was not applied, and is retried at the next pass: ${describe(error instanceof SecretsUnavailableError ? error.cause : error)}`;
        status.reason = error instanceof SecretsUnavailableError ? "SecretsUnavailable" : "CommitFailed";
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

  /** Applies through the engine (sync-apply.ts), confirming leadership right before the transaction. */
  #reconcile(
    source: ReconcileSource,
    how: { actor: string; commit: CommitInfo; sha: string; conflictError: (plan: Plan) => Error },
  ): Promise<{ plan: Plan; revision?: number; secretsError?: string }> {
    const open = this.#options.openSecrets;
    return applyForSync(this.#options.store, source, {
      ...how,
      ...(open ? { openSecrets: open } : {}),
      stillLeads: () => this.#stillLeads(),
    });
  }

  /**
   * The revision a commit that planned to nothing was applied in, when the last revision is this
   * loop's apply of it: a leader that died between its apply and its status left it unrecorded.
   */
  async #revisionOf(sha: string): Promise<number | undefined> {
    const [last] = await this.#options.store.revisions(1);
    return last?.actor === ACTOR && last.commit?.sha === sha ? last.revision : undefined;
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
      const { plan } = await planFolder(store, this.#folder, {
        displayBase: this.#folder,
        ...this.#earlier,
      });
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
      // Another loop leads now: it checks the drift (and this pass saves nothing).
      if (error instanceof LeadershipLostError) return;
      // Not knowing whether the store drifted is not "Synced".
      status.error = `the drift check failed: ${describe(error, mirror.dir)}`;
      status.reason = "DriftCheckFailed";
      logger.error({ err: status.error }, "sync: drift check failed");
    }
  }
}
