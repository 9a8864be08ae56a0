/** `scopectl status`: the git sync loop's status as the store holds it. */
import type { Command } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { redactDeep } from "../../core/redact.ts";
import type { SyncLeaderInfo } from "../../store/sync-leader.ts";
import type { SyncCommit, SyncStatus } from "../../store/sync-status.ts";
import { withJsonErrors } from "../json-errors.ts";
import { colors, out } from "../output.ts";
import { addStoreOption, refuseMissingStore, type StoreOption, withStore } from "../reconcile.ts";

const commitLine = (c: SyncCommit) =>
  `${c.sha.slice(0, 12)} ${c.subject} (${c.author}, ${c.time}${c.revision !== undefined ? `, revision ${c.revision}` : ""})`;

const value = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** Who leads the sync, for `status`: the loop that fetches and applies, or none. */
const leaderLine = (leader: SyncLeaderInfo | null) =>
  `  leader:         ${leader ? `${leader.holder} (since ${leader.since})` : "none (no sync loop runs against this store now)"}`;

/**
 * The status as lines of text: state first, then what explains it; with `leader` (null: none leads),
 * who leads the sync now.
 */
export function describeStatus(status: SyncStatus, leader?: SyncLeaderInfo | null): string[] {
  const paint =
    status.state === "Synced" ? colors.green : status.state === "Failed" ? colors.red : colors.yellow;
  const lines = [
    `${paint(status.state)}  ${status.branch} of ${status.repo} (${status.path}/), checked ${status.checkedAt}`,
  ];
  if (status.reason) lines.push(`  reason:         ${status.reason}`);
  if (leader !== undefined) lines.push(leaderLine(leader));
  if (status.head) lines.push(`  head:           ${status.head.slice(0, 12)}`);
  lines.push(`  last applied:   ${status.lastApplied ? commitLine(status.lastApplied) : "(none)"}`);
  if (status.lastAttempted && status.lastAttempted.sha !== status.lastApplied?.sha) {
    lines.push(`  last attempted: ${commitLine(status.lastAttempted)}`);
  }
  if (status.error) lines.push(`  error:          ${status.error.split("\n").join("\n                  ")}`);
  if (status.rewrite) {
    lines.push(
      `  history rewritten (force-push) at ${status.rewrite.time}: ${status.rewrite.from.slice(0, 12)} is no longer on the branch; applied ${status.rewrite.to.slice(0, 12)}`,
    );
  }
  if (status.drift.length > 0) {
    lines.push(
      `  drift: ${status.drift.length} row${status.drift.length === 1 ? " differs" : "s differ"} from the last applied commit (sync --self-heal restores them)`,
    );
    for (const entry of status.drift) {
      lines.push(`    ${entry.action} ${entry.kind} ${entry.id}`);
      for (const d of entry.diff) {
        const change =
          d.added || d.removed
            ? [...(d.added ?? []).map((a) => `+${a}`), ...(d.removed ?? []).map((r) => `-${r}`)].join(" ")
            : `store has ${value(d.before)}, the commit says ${value(d.after)}`;
        lines.push(`      ${d.path}: ${change}`);
      }
    }
  }
  return lines;
}

export function registerStatusCommand(program: Command): void {
  addStoreOption(
    program
      .command("status")
      .description(
        "show the git sync status: Synced, OutOfSync or Failed, the commits, the error and any drift",
      )
      .option("--json", 'print the status as JSON (as GET /v1/sync serves it); errors too, as {"error": ...}')
      .addHelpText(
        "after",
        `
States:
  Synced     the branch head is applied and the store matches it
  OutOfSync  the store differs from the last applied commit (drift), or the head is not applied yet
  Failed     a commit was not applied (or the last fetch failed); the error says why, and the store
             stays at the last applied commit until a later commit applies
Reasons (the "reason" field, a stable code beside the error sentence):
  Succeeded, CommitsPending, DriftDetected, FetchFailed, SignatureRefused, ConflictsFound,
  CommitFailed, SecretsUnavailable (retried at the next pass), SecretsLost, DriftCheckFailed
The leader is the one sync loop (\`scopectl sync\` or \`serve --sync-repo\`) that fetches and applies;
the others stand by and take over when it is gone ("leader" in --json: {holder, since} or null).
Exit code 1 when Failed (or when no sync has run against the store), else 0.`,
      ),
  ).action((options: StoreOption & { json?: boolean }) =>
    withJsonErrors(options.json, async () => {
      // A read: a mistyped --store is reported, not created.
      refuseMissingStore(
        options,
        (file) => `there is no store at ${file}; start a sync with \`scopectl sync --repo ...\``,
      );
      await withStore(options, async (store) => {
        // Redacted again on the way out: a status saved by an earlier version may hold URL credentials.
        const saved = await store.syncStatus();
        const status = saved && redactDeep(saved);
        if (!status)
          throw new ScopectlError(
            "sync.not-started",
            "no sync has run against this store; start one with `scopectl sync --repo ...`",
          );
        const leader = (await store.syncLeader()) ?? null;
        if (options.json) out(JSON.stringify({ ...status, leader }, null, 2));
        else for (const line of describeStatus(status, leader)) out(line);
        if (status.state === "Failed") process.exitCode = 1;
      });
    }),
  );
}
