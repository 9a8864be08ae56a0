/**
 * The work of `scopectl status`: the git sync loop's status as the store holds it, and its text, which
 * `sync --once` prints too. Declared in ../commands/status.ts, which loads this module only when it runs.
 */
import { ScopectlError } from "../../core/errors.ts";
import { redactDeep } from "../../core/redact.ts";
import type { SyncLeaderInfo } from "../../store/sync-leader.ts";
import type { SyncCommit, SyncStatus } from "../../store/sync-status.ts";
import type { StatusOptions } from "../commands/status.ts";
import { colors, out } from "../output.ts";
import { refuseMissingStore, withStore } from "../reconcile.ts";

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

export async function printStatus(options: StatusOptions): Promise<void> {
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
}
