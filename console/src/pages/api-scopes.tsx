/**
 * An Api's Scopes tab, as the product shows it: name, description, a source badge (OpenAPI, uploaded,
 * manual), who manages the row, and how many hold it. Adding a scope is offered to a user whose token
 * holds `create:api_scopes`; generated scopes have no editing controls (their page says why).
 */
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { ApiError } from "../api.ts";
import { call, segment, withQuery } from "../api.ts";
import {
  ErrorMessage,
  managerText,
  PAGE_SIZE,
  Pager,
  SearchBox,
  Show,
  SourceBadge,
  useListQuery,
} from "../components.tsx";
import { asApiError, useApi } from "../hooks.ts";
import { holds, type Session } from "../session.ts";
import { ApiHeading } from "./api-tabs.tsx";

export interface ScopeRow {
  name: string;
  description: string;
  source: string;
  openApiSource?: string;
  managedBy: string;
  commit: string | null;
  editable: boolean;
  holders: { roles: number; users: number | null; applications: number; apiKeys: number };
}

interface ScopePage {
  api: string;
  total: number;
  offset: number;
  limit: number;
  scopes: ScopeRow[];
}

const count = (n: number | null) => (n === null ? "hidden" : String(n));

export function ApiScopesPage(props: { api: string; session: Session }) {
  const { q, offset, set } = useListQuery();
  const path = withQuery(`/v1/apis/${segment(props.api)}/scopes`, { q, offset, limit: PAGE_SIZE });
  const [loaded, reload] = useApi<ScopePage>(path);
  return (
    <>
      <ApiHeading api={props.api} tab="scopes" />
      <SearchBox id="scopes-q" label="Search scopes" q={q} onSearch={(next) => set(next, 0)} />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <table>
              <caption>Scopes of {props.api}</caption>
              <thead>
                <tr>
                  <th scope="col">Scope</th>
                  <th scope="col">Description</th>
                  <th scope="col">Source</th>
                  <th scope="col">Managed by</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Users</th>
                  <th scope="col">Apps</th>
                  <th scope="col">Keys</th>
                </tr>
              </thead>
              <tbody>
                {page.scopes.map((scope) => (
                  <tr key={scope.name}>
                    <td>
                      <Link href={`/apis/${segment(props.api)}/scopes/${segment(scope.name)}`}>
                        <code>{scope.name}</code>
                      </Link>
                    </td>
                    <td>{scope.description}</td>
                    <td>
                      <SourceBadge source={scope.source} />
                    </td>
                    <td>{managerText(scope.managedBy, scope.commit)}</td>
                    <td>{scope.holders.roles}</td>
                    <td>{count(scope.holders.users)}</td>
                    <td>{scope.holders.applications}</td>
                    <td>{scope.holders.apiKeys}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.total === 0 ? <p class="muted">No scope matches.</p> : null}
            <Pager total={page.total} offset={page.offset} limit={page.limit} onPage={(n) => set(q, n)} />
          </>
        )}
      </Show>
      {holds(props.session, "create:api_scopes") ? <AddScope api={props.api} onAdded={reload} /> : null}
    </>
  );
}

function AddScope(props: { api: string; onAdded: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <section aria-labelledby="add-scope">
      <h2 id="add-scope">Add a scope</h2>
      <form
        class="stacked"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = event.currentTarget as HTMLFormElement;
          const data = new FormData(form);
          setError(null);
          setDone(null);
          try {
            await call(`/v1/apis/${segment(props.api)}/scopes`, {
              method: "POST",
              contentType: "application/json",
              body: JSON.stringify({ name: data.get("name"), description: data.get("description") }),
            });
            setDone(`Added ${String(data.get("name"))}.`);
            form.reset();
            props.onAdded();
          } catch (e) {
            setError(asApiError(e));
          }
        }}
      >
        <label for="scope-name">Name</label>
        <input id="scope-name" name="name" required maxLength={200} />
        <label for="scope-description">Description</label>
        <input id="scope-description" name="description" maxLength={500} />
        <button type="submit">Add scope</button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
      {done ? (
        <p class="message ok" role="status">
          {done}
        </p>
      ) : null}
    </section>
  );
}
