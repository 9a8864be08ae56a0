import { List, ListPage, type Paged, Time } from "../components.tsx";

interface ApiKeyPage extends Paged {
  apiKeys: {
    name: string;
    prefix: string;
    api: string;
    scopes: string[];
    owner: string | null;
    expiresAt: string | null;
    expired: boolean;
  }[];
}

export function ApiKeysPage() {
  return (
    <ListPage<ApiKeyPage>
      title="API keys"
      path="/v1/api-keys"
      search={{ id: "keys-q", label: "Search API keys" }}
    >
      {(page) => (
        <>
          <table>
            <caption>API keys (the keys themselves are never shown)</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Prefix</th>
                <th scope="col">API</th>
                <th scope="col">Scopes</th>
                <th scope="col">Owner</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {page.apiKeys.map((key) => (
                <tr key={key.name}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.api}</td>
                  <td>
                    <List items={key.scopes} />
                  </td>
                  <td>{key.owner ?? <span class="muted">none</span>}</td>
                  <td>
                    <Time iso={key.expiresAt} />
                    {key.expired ? (
                      <>
                        {" "}
                        <span class="badge badge-disabled">Expired</span>
                      </>
                    ) : null}
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
