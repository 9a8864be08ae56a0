/** The console's shared parts: the page frame, loading and error states, search, pages, badges. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Link, useLocation, useSearchParams } from "wouter-preact";
import { type ApiError, withQuery } from "./api.ts";
import { type Loaded, useApi } from "./hooks.ts";
import { holds, type Session } from "./session.ts";

const NAV: { href: string; label: string; needs?: string }[] = [
  { href: "/apis", label: "APIs" },
  { href: "/users", label: "Users", needs: "read:users" },
  { href: "/roles", label: "Roles" },
  { href: "/applications", label: "Applications" },
  { href: "/api-keys", label: "API keys" },
  { href: "/sync", label: "Sync" },
  { href: "/history", label: "History" },
];

export function Frame(props: { session: Session; onSignOut: () => void; children: ComponentChildren }) {
  const [location] = useLocation();
  const { session } = props;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="banner">
        <span class="product">scopectl console</span>
        <span class="who">
          Signed in as <strong>{session.user.name ?? session.user.email ?? session.user.sub}</strong>
        </span>
        <button type="button" class="secondary" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="main-nav" aria-label="Main">
        <ul>
          {NAV.filter((item) => !item.needs || holds(session, item.needs)).map((item) => (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={
                  location === item.href || location.startsWith(`${item.href}/`) ? "page" : undefined
                }
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

/** The page's heading; it takes the focus when the page opens, so a screen reader announces it. */
export function PageTitle(props: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · scopectl console`;
    ref.current?.focus();
  }, [props.title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

export function ErrorMessage(props: { error: ApiError }) {
  const { error } = props;
  const lead =
    error.status === 403
      ? "Your sign-in does not allow this."
      : error.status === 404
        ? "Not found."
        : error.status === 0
          ? "The server could not be reached."
          : "The server refused this.";
  return (
    <div class="message error" role="alert">
      <p>
        <strong>{lead}</strong> {error.message}
      </p>
    </div>
  );
}

/** Renders a loaded answer: a status while loading, the error, or `children(data)`. */
export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const { loaded } = props;
  if (loaded.status === "loading") {
    return (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  }
  if (loaded.status === "error") return <ErrorMessage error={loaded.error} />;
  return <>{props.children(loaded.data)}</>;
}

export const PAGE_SIZE = 50;

/** The list's `q` and `offset`, kept in the page's URL (so a page can be linked and reloaded). */
export function useListQuery(): { q: string; offset: number; set: (q: string, offset: number) => void } {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const offset = Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0);
  const set = (nextQ: string, nextOffset: number) => {
    const next = new URLSearchParams();
    if (nextQ) next.set("q", nextQ);
    if (nextOffset > 0) next.set("offset", String(nextOffset));
    setParams(next);
  };
  return { q, offset, set };
}

export function SearchBox(props: { label: string; id: string; q: string; onSearch: (q: string) => void }) {
  return (
    <search>
      <form
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          const input = (event.currentTarget as HTMLFormElement).elements.namedItem("q") as HTMLInputElement;
          props.onSearch(input.value.trim());
        }}
      >
        <label for={props.id}>{props.label}</label>
        <input id={props.id} name="q" type="search" maxLength={200} defaultValue={props.q} />
        <button type="submit">Search</button>
      </form>
    </search>
  );
}

export function Pager(props: {
  total: number;
  offset: number;
  limit: number;
  onPage: (offset: number) => void;
}) {
  const { total, offset, limit } = props;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label="Pages">
      <span role="status">
        {first}–{last} of {total.toLocaleString("en")}
      </span>
      <button type="button" disabled={offset === 0} onClick={() => props.onPage(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" disabled={last >= total} onClick={() => props.onPage(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

const SOURCE_LABELS: Record<string, string> = { openapi: "OpenAPI", uploaded: "Uploaded", manual: "Manual" };

export function SourceBadge(props: { source: string }) {
  return <span class={`badge badge-${props.source}`}>{SOURCE_LABELS[props.source] ?? props.source}</span>;
}

export function StateBadge(props: { state: string }) {
  return <span class={`badge badge-state-${props.state.toLowerCase()}`}>{props.state}</span>;
}

/** Who manages a row, in words: git (with its commit), a Pulumi stack, or a management API client. */
export function managerText(managedBy: string, commit: string | null | undefined): string {
  if (managedBy.startsWith("pulumi:")) return `Pulumi stack ${managedBy.slice("pulumi:".length)}`;
  if (managedBy.startsWith("api:")) return `API client ${managedBy.slice("api:".length)}`;
  if (managedBy === "scopectl") return commit ? `git, commit ${commit.slice(0, 12)}` : "git";
  return managedBy;
}

export function Time(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">never</span>;
  const date = new Date(props.iso);
  return (
    <time dateTime={props.iso}>{Number.isNaN(date.getTime()) ? props.iso : date.toLocaleString("en")}</time>
  );
}

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : "—");

export function List(props: { items: readonly string[]; empty?: string }) {
  if (props.items.length === 0) return <span class="muted">{props.empty ?? "none"}</span>;
  return (
    <span>
      {props.items.map((item, i) => (
        <span key={item}>
          {i > 0 ? ", " : ""}
          <code>{item}</code>
        </span>
      ))}
    </span>
  );
}

/** A list answer of /v1: a page of items and where it stands (docs/management-api.md#lists-and-pages). */
export interface Paged {
  total: number;
  offset: number;
  limit: number;
}

/**
 * A list page: its title, a search box (when the list takes `q`), the page of `path` the URL's `q` and
 * `offset` select, rendered by `children`, and the pager.
 */
export function ListPage<T extends Paged>(props: {
  title: string;
  path: string;
  search?: { id: string; label: string };
  children: (page: T) => ComponentChildren;
}) {
  const { q, offset, set } = useListQuery();
  const [loaded] = useApi<T>(
    withQuery(props.path, { q: props.search ? q : undefined, offset, limit: PAGE_SIZE }),
  );
  return (
    <>
      <PageTitle title={props.title}>{props.title}</PageTitle>
      {props.search ? (
        <SearchBox id={props.search.id} label={props.search.label} q={q} onSearch={(next) => set(next, 0)} />
      ) : null}
      <Show loaded={loaded}>
        {(page) => (
          <>
            {props.children(page)}
            <Pager total={page.total} offset={page.offset} limit={page.limit} onPage={(n) => set(q, n)} />
          </>
        )}
      </Show>
    </>
  );
}
