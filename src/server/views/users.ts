/**
 * `GET /v1/users` (read:users): every user, or with a paging parameter a page (`q` matches name,
 * e-mail and display name), each with the number of its effective scopes.
 */
import type { Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { type ListedUser, userList } from "./user-list.ts";

function userView({ name, props, scopes }: ListedUser) {
  return {
    name,
    email: props.email,
    displayName: props.displayName,
    roles: props.roles,
    disabled: props.disabled,
    scopes,
  };
}

export function userListView(snapshot: Snapshot, paging: Paging) {
  const users = userList(snapshot);
  if (!paging.given) return { total: users.length, users: users.map(userView) };
  const page = pageOf(users, (user) => user.search, paging);
  return { total: page.total, offset: page.offset, limit: page.limit, users: page.items.map(userView) };
}
