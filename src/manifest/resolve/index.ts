/**
 * Stage (c): resolution. Validated documents become the DesiredState, every reference checked. Kinds
 * resolve in dependency order: Settings, Apis, OpenApiSources (their scopes complete the Apis), then
 * Roles, Users, Applications and ApiKeys, which refer to those.
 */
import type { DesiredState } from "../../model/desired.ts";
import type { Diagnostic } from "../../model/diagnostics.ts";
import type { ManifestCache } from "../cache.ts";
import type { InputLedger } from "../inputs.ts";
import type { ValidatedSet } from "../validate/index.ts";
import { resolveApiKeys } from "./api-keys.ts";
import { resolveApis } from "./apis.ts";
import { resolveApplications } from "./applications.ts";
import { Resolution } from "./context.ts";
import { buildNameTables } from "./names.ts";
import { resolveOpenApiSources } from "./openapi-sources.ts";
import { resolveRoles } from "./roles.ts";
import { resolveSettings } from "./settings.ts";
import { judgeUntyped } from "./untyped.ts";
import { resolveUsers } from "./users.ts";

export interface Resolved {
  /** Complete only when `diagnostics` is empty; otherwise a best effort, not to be applied. */
  state: DesiredState;
  /** The diagnostics of every stage so far plus resolution's own. */
  diagnostics: Diagnostic[];
}

/**
 * `cache`: a process's earlier loads, whose OpenAPI imports of unchanged specs are reused (cache.ts).
 * `inputs`: records the specs the imports read (../inputs.ts).
 */
export async function resolveDesiredState(
  set: ValidatedSet,
  cache?: ManifestCache,
  inputs?: InputLedger,
): Promise<Resolved> {
  const names = buildNameTables(set);
  const ctx = new Resolution(set.root, names.tables, set.name);
  for (const d of names.diagnostics) ctx.diagnostics.push(d);

  const settings = resolveSettings(ctx);
  const apis = resolveApis(ctx, settings);
  const openapi = await resolveOpenApiSources(ctx, apis, settings, cache, inputs);
  // From here on, the names that references resolve against are known.
  const memo = cache?.resolutions;
  memo?.startResolution(ctx);
  const state: DesiredState = {
    root: set.root,
    settings,
    apis,
    openApiSources: openapi.sources,
    uploadSources: openapi.uploads,
    roles: resolveRoles(ctx, memo),
    users: resolveUsers(ctx, memo),
    applications: resolveApplications(ctx, settings),
    apiKeys: resolveApiKeys(ctx),
    uploadedScopeReferences: ctx.uploadedScopeReferences,
  };
  for (const d of await judgeUntyped(set.untyped, set.oversized, openapi)) ctx.diagnostics.push(d);
  return { state, diagnostics: set.diagnostics.concat(ctx.diagnostics) };
}
