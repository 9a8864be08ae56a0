/**
 * `scopectl explain user NAME`, `explain app NAME` and `explain scope API/NAME`: who holds what, and
 * why, in the store.
 */
import type { Command } from "commander";
import { effectiveScopes, sourceLabel } from "../../model/effective.ts";
import type { RoleProps, StoredResource } from "../../model/resources.ts";
import type { Store } from "../../store/store.ts";
import { withExistingStore } from "../existing-store.ts";
import { withJsonErrors } from "../json-errors.ts";
import { colors, out, table } from "../output.ts";
import { addStoreOption, type StoreOption } from "../reconcile.ts";
import { findApplication, findScope, findUser } from "../store-lookup.ts";

interface ExplainOptions extends StoreOption {
  json?: boolean;
}

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

export function registerExplainCommand(program: Command): void {
  const explain = program
    .command("explain")
    .description("explain who holds which scopes, and why, from the store");
  addStoreOption(
    explain
      .command("user")
      .description("a user's effective scopes per Api, each with its sources (roles, additional)")
      .argument("<name>", "the User's metadata.name (not the email address)")
      .option("--json", "print as JSON"),
  ).action((name: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => {
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
    }),
  );
  addStoreOption(
    explain
      .command("app")
      .alias("application")
      .description("an application's client id, type, and the scopes it is granted per Api (audience)")
      .argument("<name>", "the Application's metadata.name, or its client id")
      .option("--json", "print as JSON"),
  ).action((name: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => {
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
    }),
  );
  addStoreOption(
    explain
      .command("scope")
      .description("who holds a scope today: roles, users (and through what), applications, API keys")
      .argument("<api/name>", "the Api's name, a slash, and the scope's name, e.g. orders/read:orders")
      .option("--json", "print as JSON"),
  ).action((ref: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => {
      const result = await withExistingStore(options, (store) => explainScope(store, ref));
      if (options.json) return out(JSON.stringify(result, null, 2));
      out(`${colors.bold(`Scope ${result.scope}`)}: ${result.description} [${result.origin}]`);
      const list = (items: string[]) => (items.length > 0 ? items.join(", ") : "none");
      out(`  roles:        ${list(result.roles)}`);
      out(`  users:        ${list(result.users.map((u) => `${u.user} (${u.sources.join(", ")})`))}`);
      out(`  applications: ${list(result.applications)}`);
      out(`  API keys:     ${list(result.apiKeys)}`);
    }),
  );
}
