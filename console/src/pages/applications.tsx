import { List, ListPage, type Paged } from "../components.tsx";

interface ApplicationPage extends Paged {
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
  return (
    <ListPage<ApplicationPage>
      title="Applications"
      path="/v1/applications"
      search={{ id: "applications-q", label: "Search applications" }}
    >
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
        </>
      )}
    </ListPage>
  );
}
