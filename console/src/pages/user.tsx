/** A user's effective API scopes per Api, each with its sources ("role …", "additional"), as the product shows them. */
import { Link } from "wouter-preact";
import { segment } from "../api.ts";
import { PageTitle, Show } from "../components.tsx";
import { useApi } from "../hooks.ts";

interface UserScopes {
  user: string;
  email: string;
  disabled: boolean;
  scopes: { api: string; scope: string; sources: string[] }[];
}

function byApi(scopes: UserScopes["scopes"]): Map<string, UserScopes["scopes"]> {
  const groups = new Map<string, UserScopes["scopes"]>();
  for (const entry of scopes) groups.set(entry.api, [...(groups.get(entry.api) ?? []), entry]);
  return groups;
}

export function UserPage(props: { user: string }) {
  const [loaded] = useApi<UserScopes>(`/v1/users/${segment(props.user)}/scopes`);
  return (
    <>
      <p class="crumbs">
        <Link href="/users">Users</Link> / <code>{props.user}</code>
      </p>
      <PageTitle title={`${props.user}: API scopes`}>{props.user}</PageTitle>
      <Show loaded={loaded}>
        {(user) => (
          <>
            <p>
              {user.email}
              {user.disabled ? (
                <>
                  {" "}
                  <span class="badge badge-disabled">Disabled</span>: signs in to nothing
                </>
              ) : null}
            </p>
            <h2>API scopes</h2>
            {user.scopes.length === 0 ? <p class="muted">No API scopes.</p> : null}
            {[...byApi(user.scopes)].map(([api, scopes]) => (
              <table key={api}>
                <caption>
                  <Link href={`/apis/${segment(api)}`}>{api}</Link>
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Scope</th>
                    <th scope="col">Via</th>
                  </tr>
                </thead>
                <tbody>
                  {scopes.map((entry) => (
                    <tr key={entry.scope}>
                      <td>
                        <code>{entry.scope}</code>
                      </td>
                      <td>{entry.sources.join(", ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
          </>
        )}
      </Show>
    </>
  );
}
