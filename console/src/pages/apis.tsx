/** APIs: every Api of the tenant, searchable, with its audience and where its scopes come from. */
import { Link } from "wouter-preact";
import { segment, withQuery } from "../api.ts";
import { PAGE_SIZE, Pager, PageTitle, SearchBox, Show, useListQuery } from "../components.tsx";
import { useApi } from "../hooks.ts";

export interface ApiSummary {
  name: string;
  audience: string;
  displayName: string;
  openApiSource?: string;
  scopes: { name: string; source: string }[];
}

interface ApiPage {
  total: number;
  offset: number;
  limit: number;
  apis: ApiSummary[];
}

export function ApisPage() {
  const { q, offset, set } = useListQuery();
  const [loaded] = useApi<ApiPage>(withQuery("/v1/apis", { q, offset, limit: PAGE_SIZE }));
  return (
    <>
      <PageTitle title="APIs">APIs</PageTitle>
      <SearchBox id="apis-q" label="Search APIs" q={q} onSearch={(next) => set(next, 0)} />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <table>
              <caption>APIs and their scopes</caption>
              <thead>
                <tr>
                  <th scope="col">API</th>
                  <th scope="col">Audience</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">OpenAPI source</th>
                </tr>
              </thead>
              <tbody>
                {page.apis.map((api) => (
                  <tr key={api.name}>
                    <td>
                      <Link href={`/apis/${segment(api.name)}`}>{api.displayName}</Link>{" "}
                      <code class="muted">{api.name}</code>
                    </td>
                    <td>
                      <code>{api.audience}</code>
                    </td>
                    <td>{api.scopes.length}</td>
                    <td>
                      {api.openApiSource ? <code>{api.openApiSource}</code> : <span class="muted">none</span>}
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
