/** Applications: type, client id, and each authorized Api with its enabled scopes (or all of them). */
import { withQuery } from "../api.ts";
import { List, PAGE_SIZE, Pager, PageTitle, SearchBox, Show, useListQuery } from "../components.tsx";
import { useApi } from "../hooks.ts";

interface ApplicationPage {
  total: number;
  offset: number;
  limit: number;
  applications: {
    name: string;
    clientId: string;
    type: string;
    disabled: boolean;
    redirectUris: string[];
    secret: string | null;
    apis: { api: string; audience: string; all: boolean; scopes: string[] }[];
  }[];
}

export function ApplicationsPage() {
  const { q, offset, set } = useListQuery();
  const [loaded] = useApi<ApplicationPage>(withQuery("/v1/applications", { q, offset, limit: PAGE_SIZE }));
  return (
    <>
      <PageTitle title="Applications">Applications</PageTitle>
      <SearchBox id="applications-q" label="Search applications" q={q} onSearch={(next) => set(next, 0)} />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <table>
              <caption>Applications and their authorized APIs</caption>
              <thead>
                <tr>
                  <th scope="col">Application</th>
                  <th scope="col">Type</th>
                  <th scope="col">Authorized APIs and enabled scopes</th>
                </tr>
              </thead>
              <tbody>
                {page.applications.map((app) => (
                  <tr key={app.name}>
                    <td>
                      <strong>{app.name}</strong>
                      <br />
                      <span class="muted">client id</span> <code>{app.clientId}</code>
                      {app.disabled ? (
                        <>
                          {" "}
                          <span class="badge badge-disabled">Disabled</span>
                        </>
                      ) : null}
                    </td>
                    <td>{app.type}</td>
                    <td>
                      {app.apis.length === 0 ? <span class="muted">none</span> : null}
                      {app.apis.map((grant) => (
                        <div key={grant.api}>
                          <strong>{grant.api}</strong>:{" "}
                          {grant.all ? (
                            <span>
                              all scopes <span class="muted">({grant.scopes.length} now)</span>
                            </span>
                          ) : (
                            <List items={grant.scopes} empty="no scopes" />
                          )}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager total={page.total} offset={page.offset} limit={page.limit} onPage={(n) => set(q, n)} />
          </>
        )}
      </Show>
    </>
  );
}
