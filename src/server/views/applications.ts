/**
 * `GET /v1/applications`: a page of Applications (`q` matches name and client id), each with its Apis
 * (`all` grants and the scopes enabled now). The secret is said by kind only: never a hash, never the
 * name of the variable it comes from.
 */
import { compareStrings } from "../../plan/desired-resources.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { type Paging, pageOf } from "./paging.ts";
import { perSnapshot } from "./per-snapshot.ts";

const sortedClients = perSnapshot((snapshot: Snapshot) =>
  [...snapshot.clients.values()]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((client) => ({ client, search: [client.name, client.clientId].map((t) => t.toLowerCase()) })),
);

function applicationView(client: ClientEntry) {
  return {
    name: client.name,
    clientId: client.clientId,
    type: client.type,
    disabled: client.disabled,
    redirectUris: [...client.redirectUris],
    secret: client.secretKind,
    apis: [...client.authorizations.values()]
      .sort((a, b) => compareStrings(a.api, b.api))
      .map((grant) => ({
        api: grant.api,
        audience: grant.audience,
        all: grant.all,
        scopes: [...grant.scopes],
      })),
  };
}

export function applicationListView(snapshot: Snapshot, paging: Paging) {
  const page = pageOf(sortedClients(snapshot), (item) => item.search, paging);
  return {
    total: page.total,
    offset: page.offset,
    limit: page.limit,
    applications: page.items.map(({ client }) => applicationView(client)),
  };
}
