/** History: the store's revisions, newest first, with actor and commit; each links to its changes. */
import { Link } from "wouter-preact";
import { ListPage, type Paged, shortSha, Time } from "../components.tsx";

export interface RevisionHead {
  revision: number;
  time: string;
  actor: string;
  commit: { sha: string; author: string; subject: string } | null;
}

interface RevisionPage extends Paged {
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
  return (
    <ListPage<RevisionPage> title="History" path="/v1/revisions">
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
        </>
      )}
    </ListPage>
  );
}
