/**
 * Finding a User, Application or Scope in the store by the name a person typed, for `explain`. A miss
 * says what the command wants (a scope is `API/NAME`, a user is a metadata.name) and points at what
 * exists: the Api that has a bare scope name, the user with a typed email address, a near name, or
 * the few names there are.
 */
import { ScopectlError } from "../core/errors.ts";
import { closestName, didYouMean } from "../model/did-you-mean.ts";
import type { StoredResource } from "../model/resources.ts";
import type { StoreReader } from "../store/resources.ts";

/** At most this many names are listed when nothing is close to what was typed. */
const LISTED_NAMES = 8;

function listed(names: readonly string[]): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, LISTED_NAMES).join(", ");
  return sorted.length > LISTED_NAMES ? `${shown} and ${sorted.length - LISTED_NAMES} more` : shown;
}

/** `no User "x" in the store; did you mean "y"?`, else the names there are. */
function notFound(kind: string, plural: string, name: string, known: readonly string[]): ScopectlError {
  if (known.length === 0)
    return new ScopectlError("store.not-found", `the store has no ${kind}: apply the manifests first`);
  const hint = didYouMean(name, known) || ` (its ${plural}: ${listed(known)})`;
  return new ScopectlError("store.not-found", `no ${kind} "${name}" in the store${hint}`);
}

export async function findUser(store: StoreReader, name: string): Promise<StoredResource<"User">> {
  const users = await store.list("User");
  const user = users.find((u) => u.id === name);
  if (user) return user;
  const lower = name.toLowerCase();
  const byEmail = users.find((u) => u.props.email.toLowerCase() === lower);
  if (byEmail) {
    throw new ScopectlError(
      "store.not-found",
      `explain user takes the User's metadata.name; ${name} is the email address of ${byEmail.id}: try scopectl explain user ${byEmail.id}`,
    );
  }
  throw notFound(
    "User",
    "users",
    name,
    users.map((u) => u.id),
  );
}

/** By metadata.name, else by client id (what a token's `client_id` or a log line shows). */
export async function findApplication(
  store: StoreReader,
  name: string,
): Promise<StoredResource<"Application">> {
  const apps = await store.list("Application");
  const app = apps.find((a) => a.id === name) ?? apps.find((a) => a.props.clientId === name);
  if (app) return app;
  throw notFound(
    "Application",
    "applications",
    name,
    apps.map((a) => a.id),
  );
}

const EXPLAIN_SCOPE = "scopectl explain scope";

/** By `API/NAME`, the scope's id. */
export async function findScope(store: StoreReader, ref: string): Promise<StoredResource<"Scope">> {
  const scope = await store.get("Scope", ref);
  if (scope) return scope;
  const scopes = await store.list("Scope");
  if (scopes.length === 0)
    throw new ScopectlError("store.not-found", "the store has no scopes: apply the manifests first");
  const slash = ref.indexOf("/");
  if (slash < 0) throw bareScopeName(ref, scopes);

  const api = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const apis = (await store.list("Api")).map((a) => a.id);
  if (!apis.includes(api)) throw notFound("Api", "Apis", api, apis);
  const own = scopes.filter((s) => s.props.api === api).map((s) => s.props.name);
  // The same name in another Api first (the Api part was wrong), then a near name in this one.
  const elsewhere = scopes.filter((s) => s.props.name === name).map((s) => `"${s.id}"`);
  const near = closestName(name, own);
  const hint =
    elsewhere.length > 0
      ? `; did you mean ${elsewhere.length === 1 ? "" : "one of "}${listed(elsewhere)}?`
      : near !== undefined
        ? `; did you mean "${api}/${near}"?`
        : own.length > 0
          ? ` (its scopes: ${listed(own)})`
          : " (it has no scopes)";
  throw new ScopectlError("store.not-found", `the Api ${api} has no scope "${name}"${hint}`);
}

/** `read:orders` without its Api: which Apis have a scope of that name, or the nearest name. */
function bareScopeName(name: string, scopes: readonly StoredResource<"Scope">[]): ScopectlError {
  const holders = scopes
    .filter((s) => s.props.name === name)
    .map((s) => s.id)
    .sort();
  const form = "a scope is named API/NAME";
  if (holders.length === 1) {
    const [only] = holders as [string];
    return new ScopectlError(
      "store.not-found",
      `${form}: "${name}" is a scope of the Api ${only.split("/")[0]}; try ${EXPLAIN_SCOPE} ${only}`,
    );
  }
  if (holders.length > 1) {
    return new ScopectlError(
      "store.not-found",
      `${form}, and ${holders.length} Apis have a scope "${name}": ${holders.map((h) => `${EXPLAIN_SCOPE} ${h}`).join(", or ")}`,
    );
  }
  const near = closestName(
    name,
    scopes.map((s) => s.props.name),
  );
  const nearId = scopes
    .filter((s) => s.props.name === near)
    .map((s) => s.id)
    .sort()[0];
  const hint = nearId ? `; did you mean "${nearId}"?` : `, e.g. ${(scopes[0] as StoredResource<"Scope">).id}`;
  return new ScopectlError("store.not-found", `no Api has a scope named "${name}"; ${form}${hint}`);
}
