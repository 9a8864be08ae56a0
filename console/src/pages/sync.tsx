/**
 * Sync: the git sync status as `scopectl status` prints it (Synced / OutOfSync / Failed, branch, the
 * last applied and attempted commits, the error, drift with field diffs, the leading loop). A store no
 * sync has run against says so.
 */
import { PageTitle, Show, StateBadge, shortSha, Time } from "../components.tsx";
import { useApi } from "../hooks.ts";
import { type Change, Changes } from "./diff.tsx";

interface SyncCommit {
  sha: string;
  subject: string;
  author: string;
  time: string;
  revision?: number;
  error?: string;
}

interface SyncStatus {
  state: string;
  reason?: string;
  repo: string;
  branch: string;
  path: string;
  head?: string;
  lastApplied?: SyncCommit;
  lastAttempted?: SyncCommit;
  error?: string;
  drift: Change[];
  checkedAt: string;
  leader: { holder: string; since: string } | null;
}

function CommitFacts(props: { commit: SyncCommit | undefined }) {
  const { commit } = props;
  if (!commit) return <span class="muted">none</span>;
  return (
    <span>
      <code>{shortSha(commit.sha)}</code> {commit.subject} <span class="muted">by {commit.author}</span>,{" "}
      <Time iso={commit.time} />
      {commit.revision ? `, revision ${commit.revision}` : ""}
    </span>
  );
}

export function SyncPage() {
  const [loaded] = useApi<SyncStatus>("/v1/sync");
  return (
    <>
      <PageTitle title="Sync">Git sync</PageTitle>
      {loaded.status === "error" && loaded.error.status === 404 ? (
        <p class="message note">
          No git sync has run against this store. Start one with <code>scopectl serve --sync-repo URL</code>{" "}
          or <code>scopectl sync</code> (docs/gitops.md).
        </p>
      ) : (
        <Show loaded={loaded}>
          {(status) => (
            <>
              <p>
                <StateBadge state={status.state} /> {status.reason ? <span>{status.reason}</span> : null}
              </p>
              <dl class="facts">
                <dt>Repository</dt>
                <dd>
                  <code>{status.repo}</code>
                </dd>
                <dt>Branch</dt>
                <dd>
                  <code>{status.branch}</code> <span class="muted">folder</span>{" "}
                  <code>{status.path || "."}</code>
                </dd>
                <dt>Branch head</dt>
                <dd>
                  <code>{shortSha(status.head)}</code>
                </dd>
                <dt>Last applied</dt>
                <dd>
                  <CommitFacts commit={status.lastApplied} />
                </dd>
                <dt>Last attempted</dt>
                <dd>
                  <CommitFacts commit={status.lastAttempted} />
                </dd>
                <dt>Checked</dt>
                <dd>
                  <Time iso={status.checkedAt} />
                </dd>
                <dt>Leader</dt>
                <dd>
                  {status.leader
                    ? `${status.leader.holder}, since ${new Date(status.leader.since).toLocaleString("en")}`
                    : "no loop leads now"}
                </dd>
              </dl>
              {status.error ? (
                <div class="message error">
                  <p>
                    <strong>Error:</strong> {status.error}
                  </p>
                </div>
              ) : null}
              <h2>Drift ({status.drift.length})</h2>
              <Changes changes={status.drift} caption="What differs from the applied commit" />
            </>
          )}
        </Show>
      )}
    </>
  );
}
