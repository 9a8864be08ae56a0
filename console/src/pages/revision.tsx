/** One revision: who made it, from which commit, and its changes with field diffs. */
import { Link } from "wouter-preact";
import { PageTitle, Show, shortSha, Time } from "../components.tsx";
import { useApi } from "../hooks.ts";
import { type Change, Changes } from "./diff.tsx";
import type { RevisionHead } from "./history.tsx";

export function RevisionPage(props: { revision: string }) {
  const [loaded] = useApi<RevisionHead & { changes: Change[]; hidden: number }>(
    `/v1/revisions/${encodeURIComponent(props.revision)}`,
  );
  return (
    <>
      <p class="crumbs">
        <Link href="/history">History</Link> / revision {props.revision}
      </p>
      <PageTitle title={`Revision ${props.revision}`}>Revision {props.revision}</PageTitle>
      <Show loaded={loaded}>
        {(r) => (
          <>
            <p>
              By {r.actor}, <Time iso={r.time} />
              {r.commit ? (
                <>
                  , from commit <code>{shortSha(r.commit.sha)}</code> {r.commit.subject}{" "}
                  <span class="muted">by {r.commit.author}</span>
                </>
              ) : null}
            </p>
            <Changes changes={r.changes} caption={`Changes of revision ${r.revision}`} />
            {r.hidden > 0 ? (
              <p class="muted">
                {r.hidden} change{r.hidden === 1 ? "" : "s"} to users not shown: that needs the read:users
                permission.
              </p>
            ) : null}
          </>
        )}
      </Show>
    </>
  );
}
