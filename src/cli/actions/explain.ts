/**
 * The work of `scopectl explain user NAME`, `explain app NAME` and `explain scope API/NAME`: who holds
 * what, and why, in the store. Declared in ../commands/explain.ts, which loads this module only when one
 * of them runs.
 */
import { effectiveScopes, sourceLabel } from "../../model/effective.ts";
import type { RoleProps, StoredResource } from "../../model/resources.ts";
import type { Store } from "../../store/store.ts";
import type { ExplainOptions } from "../commands/explain.ts";
import { withExistingStore } from "../existing-store.ts";
import { colors, out, table } from "../output.ts";
import { findApplication, findScope, findUser } from "../store-lookup.ts";

async function explainUser(store: Store, name: string) {
  const user = await findUser(store, name);
  const roles = new Map((await store.list("Role")).map((r) => [r.id, r.props as RoleProps]));
  return {
    user: name,
    email: user.props.email,
    disabled: user.props.disabled,
    scopes: effectiveScopes(user.props, roles),
  };
}

async function explainApplication(store: Store, name: string) {
  const app = await findApplication(store, name);
  const audiences = new Map((await store.list("Api")).map((a) => [a.id, a.props.audience]));
  return {
    application: app.id,
    clientId: app.props.clientId,
    type: app.props.type,
    disabled: app.props.disabled === true,
    apis: Object.entries(app.props.apis).map(([api, access]) => ({
      api,
      audience: audiences.get(api) ?? null,
      all: access.all,
      scopes: access.scopes,
    })),
  };
}

async function explainScope(store: Store, ref: string) {
  const scope = await findScope(store, ref);
  const { api, name } = scope.props;
  const holds = (grants: Record<string, string[]>) => grants[api]?.includes(name) ?? false;
  const roles = (await store.list("Role")).filter((r) => holds(r.props.scopes));
  const roleProps = new Map(roles.map((r) => [r.id, r.props]));
  const users = (await store.list("User")).flatMap((u) => {
    const entry = effectiveScopes(u.props, roleProps).find((e) => e.api === api && e.scope === name);
    const sources = [...(entry?.sources ?? [])];
    if (!entry && holds(u.props.additionalScopes)) sources.push({ additional: true });
    return sources.length > 0 ? [{ user: u.id, sources: sources.map(sourceLabel) }] : [];
  });
  const applications = (await store.list("Application"))
    .filter((a) => a.props.apis[api]?.scopes.includes(name))
    .map((a) => a.id);
  const apiKeys = (await store.list("ApiKey"))
    .filter((k: StoredResource<"ApiKey">) => k.props.api === api && k.props.scopes.includes(name))
    .map((k) => k.id);
  return {
    scope: ref,
    description: scope.props.description,
    origin: scope.props.origin === "openapi" ? `openapi (${scope.props.source})` : "manual",
    roles: roles.map((r) => r.id),
    users,
    applications,
    apiKeys,
  };
}

export async function printUser(name: string, options: ExplainOptions): Promise<void> {
  const result = await withExistingStore(options, (store) => explainUser(store, name));
  if (options.json) return out(JSON.stringify(result, null, 2));
  out(
    `${colors.bold(`User ${result.user}`)} <${result.email}>${result.disabled ? colors.yellow(" (disabled: no tokens)") : ""}`,
  );
  if (result.scopes.length === 0) return out("  no scopes");
  let api = "";
  const rows: string[][] = [];
  for (const s of result.scopes) {
    if (s.api !== api) {
      api = s.api;
      rows.push([`${api}:`, ""]);
    }
    rows.push([`  ${s.scope}`, s.sources.map(sourceLabel).join(", ")]);
  }
  for (const line of table(rows)) out(`  ${line}`);
}

export async function printApplication(name: string, options: ExplainOptions): Promise<void> {
  const result = await withExistingStore(options, (store) => explainApplication(store, name));
  if (options.json) return out(JSON.stringify(result, null, 2));
  out(
    `${colors.bold(`Application ${result.application}`)} (client id ${result.clientId}, ${result.type})${result.disabled ? colors.yellow(" (disabled: no tokens)") : ""}`,
  );
  if (result.apis.length === 0) return out("  no Apis: it gets no access token for any audience");
  const rows = result.apis.map((a) => [
    a.api,
    a.audience ?? "(not in the store)",
    `${a.scopes.length > 0 ? a.scopes.join(" ") : "(no scopes)"}${a.all ? " (all of the Api's scopes)" : ""}`,
  ]);
  for (const line of table([["API", "AUDIENCE", "SCOPES"], ...rows])) out(`  ${line}`);
}

export async function printScope(ref: string, options: ExplainOptions): Promise<void> {
  const result = await withExistingStore(options, (store) => explainScope(store, ref));
  if (options.json) return out(JSON.stringify(result, null, 2));
  out(`${colors.bold(`Scope ${result.scope}`)}: ${result.description} [${result.origin}]`);
  const list = (items: string[]) => (items.length > 0 ? items.join(", ") : "none");
  out(`  roles:        ${list(result.roles)}`);
  out(`  users:        ${list(result.users.map((u) => `${u.user} (${u.sources.join(", ")})`))}`);
  out(`  applications: ${list(result.applications)}`);
  out(`  API keys:     ${list(result.apiKeys)}`);
}
