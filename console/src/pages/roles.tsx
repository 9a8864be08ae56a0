import { List, ListPage, type Paged } from "../components.tsx";

interface RolePage extends Paged {
  roles: {
    name: string;
    displayName: string;
    description: string;
    scopes: Record<string, string[]>;
    users: number | null;
  }[];
}

export function RolesPage() {
  return (
    <ListPage<RolePage> title="Roles" path="/v1/roles" search={{ id: "roles-q", label: "Search roles" }}>
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
        </>
      )}
    </ListPage>
  );
}
