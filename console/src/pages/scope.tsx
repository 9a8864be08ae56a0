/**
 * One scope: where it comes from, and who holds it (roles, users by their sources, applications, API
 * keys). A generated scope shows the product's reason instead of editing controls; a scope written over
 * the management API can be described anew or deleted by a user with the permissions.
 */
import { useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { type ApiError, call, segment } from "../api.ts";
import { ErrorMessage, managerText, PageTitle, Show, SourceBadge, Time } from "../components.tsx";
import { asApiError, useApi } from "../hooks.ts";
import { holds, type Session } from "../session.ts";

interface ScopeDetail {
  api: string;
  scope: {
    name: string;
    description: string;
    source: string;
    openApiSource?: string;
    managedBy: string;
    commit: string | null;
    editable: boolean;
    reason: string | null;
  };
  holders: {
    roles: { name: string; displayName: string }[];
    users: { total: number; items: { name: string; email: string; sources: string[] }[] } | null;
    applications: { name: string; clientId: string; type: string }[];
    apiKeys: { name: string; prefix: string; owner: string | null; expiresAt: string | null }[];
  };
}

export function ScopePage(props: { api: string; scope: string; session: Session }) {
  const base = `/v1/apis/${segment(props.api)}/scopes/${segment(props.scope)}`;
  const [loaded, reload] = useApi<ScopeDetail>(base);
  return (
    <>
      <p class="crumbs">
        <Link href="/apis">APIs</Link> / <Link href={`/apis/${segment(props.api)}`}>{props.api}</Link> /{" "}
        <code>{props.scope}</code>
      </p>
      <PageTitle title={`${props.scope} (${props.api})`}>
        Scope <code>{props.scope}</code>
      </PageTitle>
      <Show loaded={loaded}>
        {({ scope, holders }) => (
          <>
            <dl class="facts">
              <dt>Description</dt>
              <dd>{scope.description || <span class="muted">none</span>}</dd>
              <dt>Source</dt>
              <dd>
                <SourceBadge source={scope.source} />
                {scope.openApiSource ? (
                  <>
                    {" "}
                    OpenApiSource <code>{scope.openApiSource}</code>
                  </>
                ) : null}
              </dd>
              <dt>Managed by</dt>
              <dd>{managerText(scope.managedBy, scope.commit)}</dd>
            </dl>
            {scope.editable ? (
              <EditScope path={base} scope={scope} session={props.session} api={props.api} onSaved={reload} />
            ) : (
              <p class="message note">
                <strong>Not editable here.</strong> {scope.reason}
              </p>
            )}
            <Holders holders={holders} />
          </>
        )}
      </Show>
    </>
  );
}

function Holders(props: { holders: ScopeDetail["holders"] }) {
  const { roles, users, applications, apiKeys } = props.holders;
  return (
    <>
      <h2>Roles ({roles.length})</h2>
      {roles.length === 0 ? (
        <p class="muted">No role carries it.</p>
      ) : (
        <ul>
          {roles.map((role) => (
            <li key={role.name}>
              {role.displayName} <code class="muted">{role.name}</code>
            </li>
          ))}
        </ul>
      )}
      <h2>Users {users ? `(${users.total})` : ""}</h2>
      {users === null ? (
        <p class="muted">Seeing users needs the read:users permission.</p>
      ) : users.total === 0 ? (
        <p class="muted">No user holds it.</p>
      ) : (
        <table>
          <caption>
            Users holding it{users.total > users.items.length ? ` (the first ${users.items.length})` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">E-mail</th>
              <th scope="col">Via</th>
            </tr>
          </thead>
          <tbody>
            {users.items.map((user) => (
              <tr key={user.name}>
                <td>
                  <Link href={`/users/${segment(user.name)}`}>{user.name}</Link>
                </td>
                <td>{user.email}</td>
                <td>{user.sources.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Applications ({applications.length})</h2>
      {applications.length === 0 ? (
        <p class="muted">No application has it enabled.</p>
      ) : (
        <ul>
          {applications.map((app) => (
            <li key={app.name}>
              {app.name}{" "}
              <span class="muted">
                ({app.type}, client id {app.clientId})
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2>API keys ({apiKeys.length})</h2>
      {apiKeys.length === 0 ? (
        <p class="muted">No API key carries it.</p>
      ) : (
        <ul>
          {apiKeys.map((key) => (
            <li key={key.name}>
              {key.name} <code>{key.prefix}…</code>
              {key.owner ? ` owned by ${key.owner}` : ""}, expires <Time iso={key.expiresAt} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function EditScope(props: {
  path: string;
  api: string;
  scope: ScopeDetail["scope"];
  session: Session;
  onSaved: () => void;
}) {
  const [error, setError] = useState<ApiError | null>(null);
  const [, navigate] = useLocation();
  const canUpdate = holds(props.session, "update:api_scopes");
  const canDelete = holds(props.session, "delete:api_scopes");
  if (!canUpdate && !canDelete) {
    return <p class="muted">Editing it needs the update:api_scopes or delete:api_scopes permission.</p>;
  }
  return (
    <section aria-labelledby="edit-scope">
      <h2 id="edit-scope">Edit</h2>
      {canUpdate ? (
        <form
          class="stacked"
          onSubmit={async (event) => {
            event.preventDefault();
            const data = new FormData(event.currentTarget as HTMLFormElement);
            setError(null);
            try {
              await call(props.path, {
                method: "PATCH",
                contentType: "application/json",
                body: JSON.stringify({ description: data.get("description") }),
              });
              props.onSaved();
            } catch (e) {
              setError(asApiError(e));
            }
          }}
        >
          <label for="edit-description">Description</label>
          <input
            id="edit-description"
            name="description"
            defaultValue={props.scope.description}
            maxLength={500}
          />
          <button type="submit">Save description</button>
        </form>
      ) : null}
      {canDelete ? (
        <button
          type="button"
          class="danger"
          onClick={async () => {
            setError(null);
            try {
              await call(props.path, { method: "DELETE" });
              navigate(`/apis/${segment(props.api)}`);
            } catch (e) {
              setError(asApiError(e));
            }
          }}
        >
          Delete scope
        </button>
      ) : null}
      {error ? <ErrorMessage error={error} /> : null}
    </section>
  );
}
