/**
 * Apis and their manual scopes: unique audiences, no reserved scope names, each scope name once. An Api
 * whose audience is Settings.managementAudience declares the built-in management API: its scopes must be
 * management permissions, and no other Api may take one of those names. Generated scopes are added by
 * openapi-sources.ts, under the same two rules.
 */
import type { DesiredApi, DesiredSettings } from "../../model/desired.ts";
import { isManagementPermission, MANAGEMENT_PERMISSIONS } from "../../model/management.ts";
import { isReservedScopeName, RESERVED_SCOPE_NAMES } from "../../model/names.ts";
import { checkAudience } from "../../model/uris.ts";
import { formatPlace, quoteShort } from "../diagnostics.ts";
import type { ManifestDocument } from "../documents.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { uniqueList } from "./references.ts";

/**
 * Why a management permission name is refused outside the management Api: a multi-audience token's
 * `scope` is one flat list, so `read:users` of another Api would read as the management permission.
 * `subject` says what bears the name (`"read:users" is`, `the spec generates "…",`).
 */
export function reservedPermissionMessage(subject: string, settings: DesiredSettings): string {
  return `${subject} a permission of the built-in management API (${MANAGEMENT_PERMISSIONS.join(", ")}); only the Api whose audience is Settings.managementAudience (${settings.managementAudience}) may define it: a scope name is unique only within its Api, and a token's scope list does not say which Api a name belongs to`;
}

export function resolveApis(ctx: Resolution, settings: DesiredSettings): Map<string, DesiredApi> {
  const apis = new Map<string, DesiredApi>();
  const audiences = new Map<string, { api: string; doc: ManifestDocument }>();

  // An Api whose document failed its schema still exists by name; its scopes are unknown.
  for (const declared of ctx.names.Api.values()) {
    if (declared.manifest === undefined) ctx.scopes.set(declared.name, { names: new Set(), complete: false });
  }

  for (const { name, doc, manifest } of ctx.valid("Api")) {
    const { spec } = manifest;
    const audienceProblem = checkAudience(spec.audience);
    if (audienceProblem) {
      ctx.report(doc, ["spec", "audience"], `audience ${quoteShort(spec.audience)} ${audienceProblem}`);
    }
    const first = audiences.get(spec.audience);
    if (first) {
      ctx.report(
        doc,
        ["spec", "audience"],
        `audience "${spec.audience}" is already used by Api "${first.api}" (${formatPlace(first.doc.locate(["spec", "audience"]))}); each Api needs its own audience`,
      );
    } else {
      audiences.set(spec.audience, { api: name, doc });
    }

    const listed = spec.scopes ?? [];
    const names = uniqueList(
      ctx,
      doc,
      ["spec", "scopes"],
      listed.map((s) => s.name),
      "scope",
    );
    // uniqueList reports repeats at the list item; point the reserved-name error at the name itself.
    const scopes: DesiredApi["scopes"] = [];
    for (const scopeName of names) {
      const index = listed.findIndex((s) => s.name === scopeName);
      const management = spec.audience === settings.managementAudience;
      if (management && !isManagementPermission(scopeName)) {
        ctx.report(
          doc,
          ["spec", "scopes", index, "name"],
          `"${scopeName}" is not a permission of the built-in management API, whose audience this Api takes (Settings.managementAudience); its scopes are ${MANAGEMENT_PERMISSIONS.join(", ")}`,
        );
        continue;
      }
      if (!management && isManagementPermission(scopeName)) {
        ctx.report(
          doc,
          ["spec", "scopes", index, "name"],
          reservedPermissionMessage(`"${scopeName}" is`, settings),
        );
        continue;
      }
      if (isReservedScopeName(scopeName)) {
        ctx.report(
          doc,
          ["spec", "scopes", index, "name"],
          `"${scopeName}" is a reserved scope name (${[...RESERVED_SCOPE_NAMES].join(", ")} belong to OpenID Connect and refresh tokens); choose another name`,
        );
        continue;
      }
      scopes.push({
        api: name,
        name: scopeName,
        description: listed[index]?.description ?? "",
        origin: "manual",
      });
    }

    ctx.scopes.set(name, { names: new Set(scopes.map((s) => s.name)), complete: true });
    apis.set(name, {
      name,
      audience: spec.audience,
      displayName: spec.displayName ?? name,
      scopes,
      source: sourcePosition(doc),
    });
  }
  return apis;
}
