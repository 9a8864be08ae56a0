/** History: the store's revisions, newest first, with actor and commit; each links to its changes. */
import { Link } from "wouter-preact";
import { withQuery } from "../api.ts";
import { PAGE_SIZE, Pager, PageTitle, Show, shortSha, Time, useListQuery } from "../components.tsx";
import { useApi } from "../hooks.ts";

export interface RevisionHead {
  revision: number;
  time: string;
  actor: string;
  commit: { sha: string; author: string; subject: string } | null;
}

interface RevisionPage {
  total: number;
  offset: number;
  limit: number;
  revisions: (RevisionHead & { summary: Record<string, number> | string })[];
}

const summaryText = (summary: Record<string, number> | string): string =>
  typeof summary === "string"
    ? summary
    : Object.entries(summary)
        .filter(([, n]) => n > 0)
        .map(([what, n]) => `${n} ${what}`)
        .join(", ");

export function HistoryPage() {
  const { offset, set } = useListQuery();
  const [loaded] = useApi<RevisionPage>(withQuery("/v1/revisions", { offset, limit: PAGE_SIZE }));
  return (
    <>
      <PageTitle title="History">History</PageTitle>
      <Show loaded={loaded}>
        {(page) => (
          <>
            <table>
              <caption>Revisions of the store, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Revision</th>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Commit</th>
                  <th scope="col">Changes</th>
                </tr>
              </thead>
              <tbody>
                {page.revisions.map((r) => (
                  <tr key={r.revision}>
                    <td>
                      <Link href={`/history/${r.revision}`}>Revision {r.revision}</Link>
                    </td>
                    <td>
                      <Time iso={r.time} />
                    </td>
                    <td>{r.actor}</td>
                    <td>
                      {r.commit ? (
                        <>
                          <code>{shortSha(r.commit.sha)}</code> {r.commit.subject}
                        </>
                      ) : (
                        <span class="muted">none</span>
                      )}
                    </td>
                    <td>{summaryText(r.summary)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager total={page.total} offset={page.offset} limit={page.limit} onPage={(n) => set("", n)} />
          </>
        )}
      </Show>
    </>
  );
}
