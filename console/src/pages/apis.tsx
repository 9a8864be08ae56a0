/** APIs: every Api of the tenant, searchable, with its audience and where its scopes come from. */
import { Link } from "wouter-preact";
import { segment } from "../api.ts";
import { ListPage, type Paged } from "../components.tsx";

interface ApiSummary {
  name: string;
  audience: string;
  displayName: string;
  openApiSource?: string;
  scopes: { name: string; source: string }[];
}

interface ApiPage extends Paged {
  apis: ApiSummary[];
}

export function ApisPage() {
  return (
    <ListPage<ApiPage> title="APIs" path="/v1/apis" search={{ id: "apis-q", label: "Search APIs" }}>
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
        </>
      )}
    </ListPage>
  );
}
