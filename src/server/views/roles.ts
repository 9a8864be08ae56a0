/**
 * `GET /v1/roles`: a page of Roles (`q` matches name, display name and description), each with its
 * scope grants by Api and how many users name it (null for a caller without `read:users`).
 */
import type { RoleProps } from "../../model/resources.ts";
import { compareStrings } from "../../plan/desired-resources.ts";
import type { Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { perSnapshot } from "./per-snapshot.ts";
import { userGrants } from "./user-grants.ts";

interface IndexedRole {
  name: string;
  props: RoleProps;
  search: readonly string[];
}

const sortedRoles = perSnapshot((snapshot: Snapshot): IndexedRole[] =>
  [...snapshot.roles]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, props]) => ({
      name,
      props,
      search: [name, props.displayName, props.description].map((t) => t.toLowerCase()),
    })),
);

export function roleListView(snapshot: Snapshot, paging: Paging, readUsers: boolean) {
  const page = pageOf(sortedRoles(snapshot), (role) => role.search, paging);
  const { usersOfRole } = readUsers ? userGrants(snapshot) : { usersOfRole: undefined };
  return {
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    roles: page.items.map(({ name, props }) => ({
      name,
      displayName: props.displayName,
      description: props.description,
      scopes: props.scopes,
      users: usersOfRole ? (usersOfRole.get(name)?.length ?? 0) : null,
    })),
  };
}
