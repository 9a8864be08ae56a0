/**
 * Applications: type rules (redirect URIs, secrets), unique client ids, and the Apis each is authorized
 * for with their enabled scopes (`"all"` expands to every scope the Api has now).
 */
import type {
  ApplicationApiAccess,
  DesiredApplication,
  DesiredSettings,
  SecretSource,
} from "../../model/desired.ts";
import { checkRedirectUri } from "../../model/uris.ts";
import { formatPlace, quoteShort } from "../diagnostics.ts";
import type { FieldPath, ManifestDocument } from "../documents.ts";
import type { ApplicationManifest } from "../schemas/index.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { checkReference, checkScopeList, uniqueList } from "./references.ts";

type Declared = ReturnType<Resolution["valid"]>[number] & { manifest: ApplicationManifest };

/** m2m and regular apps are confidential clients; a spa runs in the browser and cannot keep a secret. */
function secretSource(ctx: Resolution, { doc, manifest }: Declared): SecretSource {
  const { type, secret } = manifest.spec;
  if (type === "spa") {
    if (secret) {
      ctx.report(
        doc,
        ["spec", "secret"],
        "a spa is a public client (its code runs in the browser) and has no secret; remove `secret`",
        "key",
      );
    }
    return { none: true };
  }
  return secret ? { fromEnv: secret.fromEnv } : { generate: true };
}

function redirectUris(ctx: Resolution, { doc, manifest }: Declared): string[] {
  const { type, redirectUris } = manifest.spec;
  const uris = uniqueList(ctx, doc, ["spec", "redirectUris"], redirectUris ?? [], "redirect URI");
  (redirectUris ?? []).forEach((uri, i) => {
    const problem = checkRedirectUri(uri);
    if (problem) ctx.report(doc, ["spec", "redirectUris", i], `redirect URI ${quoteShort(uri)} ${problem}`);
  });
  if (type === "m2m" && uris.length > 0) {
    ctx.report(
      doc,
      ["spec", "redirectUris"],
      "an m2m application has no redirect URIs: it gets tokens with client credentials, without a browser; remove `redirectUris` or change `type`",
      "key",
    );
  }
  if (type !== "m2m" && uris.length === 0) {
    const where = redirectUris === undefined ? ["spec", "type"] : ["spec", "redirectUris"];
    ctx.report(
      doc,
      where,
      `a ${type} application needs at least one redirect URI in \`redirectUris\`, where the sign-in flow returns`,
      redirectUris === undefined ? "value" : "key",
    );
  }
  return uris;
}

function apiAccess(ctx: Resolution, { doc, manifest }: Declared): Record<string, ApplicationApiAccess> {
  const out: Record<string, ApplicationApiAccess> = {};
  for (const [api, access] of Object.entries(manifest.spec.apis ?? {})) {
    if (!checkReference(ctx, "Api", doc, ["spec", "apis", api], api, "key")) continue;
    const scopes = access.scopes ?? [];
    out[api] =
      scopes === "all"
        ? { all: true, scopes: [...(ctx.scopes.get(api)?.names ?? [])] }
        : { all: false, scopes: checkScopeList(ctx, doc, ["spec", "apis", api, "scopes"], api, scopes) };
  }
  return out;
}

export function resolveApplications(
  ctx: Resolution,
  settings: DesiredSettings,
): Map<string, DesiredApplication> {
  const applications = new Map<string, DesiredApplication>();
  // The first document is located only when a second one clashes with it (see users.ts).
  const clientIds = new Map<string, { app: string; doc: ManifestDocument; field: FieldPath }>();
  for (const declared of ctx.valid("Application") as Declared[]) {
    const { name, doc, manifest } = declared;
    const { spec } = manifest;
    // The client id defaults to the application's name, so defaulted ids take part in the uniqueness check.
    const clientId = spec.clientId ?? name;
    const field = spec.clientId !== undefined ? ["spec", "clientId"] : ["metadata", "name"];
    const first = clientIds.get(clientId);
    if (first) {
      ctx.report(
        doc,
        field,
        `clientId "${clientId}" is already used by Application "${first.app}" (${formatPlace(first.doc.locate(first.field))}); client ids are unique (an application without clientId uses its name)`,
      );
    } else {
      clientIds.set(clientId, { app: name, doc, field });
    }
    const app: DesiredApplication = {
      name,
      type: spec.type,
      clientId,
      secret: secretSource(ctx, declared),
      redirectUris: redirectUris(ctx, declared),
      apis: apiAccess(ctx, declared),
      tokens: {
        lifetimeSeconds: spec.tokens?.lifetimeSeconds ?? settings.accessTokenLifetimeSeconds,
        includeApiScopesInPermissions: spec.tokens?.includeApiScopesInPermissions ?? false,
      },
      disabled: spec.disabled ?? false,
      source: sourcePosition(doc),
    };
    applications.set(name, app);
  }
  return applications;
}
