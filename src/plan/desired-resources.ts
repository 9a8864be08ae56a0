/**
 * DesiredState → the flat Resource list the store holds. This is where the manifests' view becomes
 * the store's view: ids are fixed, defaults are filled in, secrets become hashes, and every list whose
 * order means nothing is sorted. That last point is what keeps a re-plan of unchanged manifests empty:
 * the store holds exactly what we wrote, so the next comparison is exact.
 */

import { sha256Hex } from "../core/secrets.ts";
import type {
  DesiredApplication,
  DesiredState,
  ScopeGrants,
  SecretSource,
  SourcePosition,
} from "../model/desired.ts";
import { type Diagnostic, InputError } from "../model/diagnostics.ts";
import {
  type ApplicationProps,
  RESOURCE_KINDS,
  type Resource,
  type StoredSecret,
} from "../model/resources.ts";
import type { PlanMemo } from "./plan-memo.ts";
import {
  HOW_TO_MAKE_A_SECRET,
  MIN_SECRET_BITS,
  MIN_SECRET_LENGTH,
  weakSecretReason,
} from "./secret-strength.ts";

/** The id of the one Settings resource. */
export const SETTINGS_ID = "default";

/**
 * A scope's id: `<api>/<name>`. A scope name may itself contain `/`, an Api name never does: the id
 * splits at its first `/`.
 */
export function scopeId(api: string, name: string): string {
  return `${api}/${name}`;
}

/** Code-unit order, not locale order: the same input sorts the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/**
 * Grants per Api, Apis and scopes sorted, empty lists dropped: `{orders: []}` and `{}` grant the same
 * thing and must not show up as a change.
 */
export function normalizeGrants(grants: ScopeGrants): ScopeGrants {
  const out: ScopeGrants = {};
  for (const api of Object.keys(grants).sort(compareStrings)) {
    const scopes = sortedUnique(grants[api] ?? []);
    if (scopes.length > 0) out[api] = scopes;
  }
  return out;
}

function positionOf(source: SourcePosition): Pick<Diagnostic, "file" | "line" | "column"> {
  return { file: source.file, line: source.line, column: source.column };
}

/**
 * A secret from the environment is hashed now, when the plan is made: the plan (and the store) carry
 * only the SHA-256, so a change of the variable's value shows up as an update of the application. A
 * value too weak for an unsalted fast hash is refused (secret-strength.ts). A generated secret has no
 * hash yet: create makes it (and shows it once), like a Pulumi output.
 */
function storedSecret(
  app: DesiredApplication,
  env: NodeJS.ProcessEnv,
  problems: Diagnostic[],
): StoredSecret | undefined {
  const secret: SecretSource = app.secret;
  if ("fromEnv" in secret) {
    const value = env[secret.fromEnv];
    if (value === undefined || value === "") {
      problems.push({
        ...positionOf(app.source),
        field: "spec.secret.fromEnv",
        message: `Application "${app.name}" reads its client secret from the environment variable ${secret.fromEnv}, which is ${value === undefined ? "not set" : "empty"}; set it where scopectl runs (secrets never live in git)`,
      });
      return undefined;
    }
    const weakness = weakSecretReason(value);
    if (weakness !== undefined) {
      problems.push({
        ...positionOf(app.source),
        field: "spec.secret.fromEnv",
        message: `Application "${app.name}" reads its client secret from the environment variable ${secret.fromEnv}, whose value is too weak: ${weakness}. A client secret from the environment needs at least ${MIN_SECRET_LENGTH} characters and an estimated ${MIN_SECRET_BITS} bits, because it is kept as a fast SHA-256 digest; ${HOW_TO_MAKE_A_SECRET}`,
      });
      return undefined;
    }
    return { kind: "env", env: secret.fromEnv, sha256: sha256Hex(value) };
  }
  if ("generate" in secret) return { kind: "generated" };
  return { kind: "none" };
}

function applicationProps(app: DesiredApplication, secret: StoredSecret): ApplicationProps {
  const apis: ApplicationProps["apis"] = {};
  for (const api of Object.keys(app.apis).sort(compareStrings)) {
    const access = app.apis[api];
    if (access) apis[api] = { all: access.all, scopes: sortedUnique(access.scopes) };
  }
  return {
    type: app.type,
    // No clientId in the manifest: the application's name is its client id. A random one made on
    // create would be stable in the store but unknown to the plan, and the manifest name is already
    // unique among applications and readable in logs.
    clientId: app.clientId ?? app.name,
    secret,
    redirectUris: sortedUnique(app.redirectUris),
    apis,
    tokens: {
      lifetimeSeconds: app.tokens.lifetimeSeconds,
      includeApiScopesInPermissions: app.tokens.includeApiScopesInPermissions,
    },
    ...(app.disabled ? { disabled: true as const } : {}),
  };
}

const KIND_ORDER: ReadonlyMap<Resource["kind"], number> = new Map(RESOURCE_KINDS.map((kind, i) => [kind, i]));

/** Resources sorted parents first (RESOURCE_KINDS order), then by id. */
export function sortResources<R extends { kind: Resource["kind"]; id: string }>(resources: R[]): R[] {
  return resources.sort(
    (a, b) => (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0) || compareStrings(a.id, b.id),
  );
}

/**
 * Every resource the manifests declare, in a deterministic order. Throws an InputError that lists
 * every application whose secret variable is missing, empty or too weak, so one run shows them all.
 * `memo`: a re-plan's earlier rows of the Users and Roles resolved to the same objects (plan-memo.ts).
 */
export function desiredResources(state: DesiredState, env: NodeJS.ProcessEnv, memo?: PlanMemo): Resource[] {
  const kept = (entity: object, make: () => Resource) => (memo ? memo.desired(entity, make) : make());
  const out: Resource[] = [];
  const problems: Diagnostic[] = [];

  const { settings } = state;
  out.push({
    kind: "Settings",
    id: SETTINGS_ID,
    props: {
      issuer: settings.issuer,
      signingAlg: settings.signingAlg,
      accessTokenLifetimeSeconds: settings.accessTokenLifetimeSeconds,
      managementAudience: settings.managementAudience,
    },
  });

  // At most one OpenApiSource per Api (the loader checks it): a generated scope names it as its owner.
  const sourceOfApi = new Map<string, string>();
  for (const source of state.openApiSources.values()) {
    sourceOfApi.set(source.api, source.name);
    out.push({
      kind: "OpenApiSource",
      id: source.name,
      props: {
        api: source.api,
        file: { path: source.file.path, sha256: source.file.sha256, size: source.file.size },
        specVersion: source.specVersion,
      },
    });
  }

  // An upload source is declared, not imported: its scopes are the uploads' rows (plan.ts leaves them).
  for (const source of state.uploadSources.values()) {
    out.push({ kind: "OpenApiSource", id: source.name, props: { api: source.api, upload: true } });
  }

  for (const api of state.apis.values()) {
    out.push({
      kind: "Api",
      id: api.name,
      props: { audience: api.audience, displayName: api.displayName },
    });
    for (const scope of api.scopes) {
      const source = scope.origin === "openapi" ? sourceOfApi.get(api.name) : undefined;
      out.push({
        kind: "Scope",
        id: scopeId(api.name, scope.name),
        props: {
          api: api.name,
          name: scope.name,
          description: scope.description,
          origin: scope.origin,
          ...(source !== undefined ? { source } : {}),
        },
      });
    }
  }

  for (const role of state.roles.values()) {
    out.push(
      kept(role, () => ({
        kind: "Role",
        id: role.name,
        props: {
          displayName: role.displayName,
          description: role.description,
          scopes: normalizeGrants(role.scopes),
        },
      })),
    );
  }

  for (const user of state.users.values()) {
    out.push(
      kept(user, () => ({
        kind: "User",
        id: user.name,
        props: {
          email: user.email,
          displayName: user.displayName,
          roles: sortedUnique(user.roles),
          additionalScopes: normalizeGrants(user.additionalScopes),
          disabled: user.disabled,
        },
      })),
    );
  }

  for (const app of state.applications.values()) {
    const secret = storedSecret(app, env, problems);
    if (secret) out.push({ kind: "Application", id: app.name, props: applicationProps(app, secret) });
  }

  for (const key of state.apiKeys.values()) {
    // No prefix or hash: the key material is made on create, and shown once.
    out.push({
      kind: "ApiKey",
      id: key.name,
      props: {
        api: key.api,
        scopes: sortedUnique(key.scopes),
        ...(key.owner !== undefined ? { owner: key.owner } : {}),
        ...(key.expiresAt !== undefined ? { expiresAt: key.expiresAt } : {}),
      },
    });
  }

  if (problems.length > 0) throw new InputError(problems);
  return sortResources(out);
}
