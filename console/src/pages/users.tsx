/** Users (needs `read:users`): searchable, paged, each with roles and how many scopes it holds. */
import { Link } from "wouter-preact";
import { segment } from "../api.ts";
import { List, ListPage, type Paged } from "../components.tsx";

interface UserPage extends Paged {
  users: {
    name: string;
    email: string;
    displayName: string;
    roles: string[];
    disabled: boolean;
    scopes: number;
  }[];
}

export function UsersPage() {
  return (
    <ListPage<UserPage> title="Users" path="/v1/users" search={{ id: "users-q", label: "Search users" }}>
      {(page) => (
        <>
          <table>
            <caption>Users, their roles and scope counts</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">E-mail</th>
                <th scope="col">Roles</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {page.users.map((user) => (
                <tr key={user.name}>
                  <td>
                    <Link href={`/users/${segment(user.name)}`}>{user.displayName || user.name}</Link>{" "}
                    <code class="muted">{user.name}</code>
                  </td>
                  <td>{user.email}</td>
                  <td>
                    <List items={user.roles} />
                  </td>
                  <td>{user.scopes}</td>
                  <td>{user.disabled ? <span class="badge badge-disabled">Disabled</span> : "Active"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.total === 0 ? <p class="muted">No user matches.</p> : null}
        </>
      )}
    </ListPage>
  );
}
