/** API keys: metadata only (prefix, Api, scopes, owner, expiry). The server never answers the key or its hash. */
import { withQuery } from "../api.ts";
import { List, PAGE_SIZE, Pager, PageTitle, SearchBox, Show, Time, useListQuery } from "../components.tsx";
import { useApi } from "../hooks.ts";

interface ApiKeyPage {
  total: number;
  offset: number;
  limit: number;
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
  const { q, offset, set } = useListQuery();
  const [loaded] = useApi<ApiKeyPage>(withQuery("/v1/api-keys", { q, offset, limit: PAGE_SIZE }));
  return (
    <>
      <PageTitle title="API keys">API keys</PageTitle>
      <SearchBox id="keys-q" label="Search API keys" q={q} onSearch={(next) => set(next, 0)} />
      <Show loaded={loaded}>
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
            <Pager total={page.total} offset={page.offset} limit={page.limit} onPage={(n) => set(q, n)} />
          </>
        )}
      </Show>
    </>
  );
}
