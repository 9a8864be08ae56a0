/** Roles: their scopes by Api and how many users have them (hidden without `read:users`). */
import { withQuery } from "../api.ts";
import { List, PAGE_SIZE, Pager, PageTitle, SearchBox, Show, useListQuery } from "../components.tsx";
import { useApi } from "../hooks.ts";

interface RolePage {
  total: number;
  offset: number;
  limit: number;
  roles: {
    name: string;
    displayName: string;
    description: string;
    scopes: Record<string, string[]>;
    users: number | null;
  }[];
}

export function RolesPage() {
  const { q, offset, set } = useListQuery();
  const [loaded] = useApi<RolePage>(withQuery("/v1/roles", { q, offset, limit: PAGE_SIZE }));
  return (
    <>
      <PageTitle title="Roles">Roles</PageTitle>
      <SearchBox id="roles-q" label="Search roles" q={q} onSearch={(next) => set(next, 0)} />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <table>
              <caption>Roles and the scopes they carry</caption>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Description</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Users</th>
                </tr>
              </thead>
              <tbody>
                {page.roles.map((role) => (
                  <tr key={role.name}>
                    <td>
                      {role.displayName} <code class="muted">{role.name}</code>
                    </td>
                    <td>{role.description}</td>
                    <td>
                      {Object.entries(role.scopes).map(([api, scopes]) => (
                        <div key={api}>
                          <strong>{api}</strong>: <List items={scopes} />
                        </div>
                      ))}
                    </td>
                    <td>{role.users === null ? "hidden" : role.users}</td>
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
