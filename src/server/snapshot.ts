/**
 * The token service's view of the store: an immutable snapshot compiled from the store's rows at one
 * revision, indexed for the request paths (client id, audience, API key lookup id). A request reads one
 * snapshot from start to end and never queries the store; a reload builds a new snapshot and swaps it in
 * whole (see snapshot-source.ts), so a request never sees half of an apply.
 */

import { defaultManagementAudience, SETTINGS_DEFAULTS } from "../manifest/schemas/settings-defaults.ts";
import type { ApplicationType, ScopeOrigin } from "../model/desired.ts";
import {
  type ApplicationProps,
  isUploadSource,
  type RoleProps,
  type SettingsProps,
  type StoredResource,
  type StoredSecret,
  type UserProps,
} from "../model/resources.ts";
import { SETTINGS_ID } from "../plan/desired-resources.ts";
import type { KeyRing } from "./keys/keyring.ts";

export interface ScopeEntry {
  name: string;
  description: string;
  origin: ScopeOrigin;
  /** The OpenApiSource that generated it. */
  source?: string;
  /** The Scope row's manager (`scopectl`, `pulumi:<stack>`, `api:<client id>`). */
  managedBy: string;
  /** The commit the row came from, when its writer recorded one. */
  commit?: string;
}

export interface ApiEntry {
  name: string;
  audience: string;
  displayName: string;
  /** Sorted by name. */
  scopes: readonly ScopeEntry[];
  scopeNames: ReadonlySet<string>;
  openApiSource?: string;
  /** Present (true) when that OpenApiSource takes its spec by upload (`upload: true`). */
  openApiUpload?: true;
}

/** What an application may ask for at one audience. */
export interface Authorization {
  api: string;
  audience: string;
  /** Enabled scopes in a stable order (an `all` grant follows the Api's current scopes). */
  scopes: readonly string[];
  scopeSet: ReadonlySet<string>;
  /** The Application's grant is `all` (the scopes follow the Api's). */
  all: boolean;
}

export interface ClientEntry {
  /** The Application's manifest name. */
  name: string;
  clientId: string;
  type: ApplicationType;
  /** Registered redirect URIs, matched exactly. */
  redirectUris: readonly string[];
  /** SHA-256 of the client secret; absent for a public client or a generated secret not yet made. */
  secretSha256?: Buffer;
  /** Where the client secret comes from (never the secret, nor the variable's name). */
  secretKind: StoredSecret["kind"];
  disabled: boolean;
  lifetimeSeconds: number;
  includePermissions: boolean;
  /** By audience. */
  authorizations: ReadonlyMap<string, Authorization>;
}

export interface ApiKeyEntry {
  name: string;
  api: string;
  audience: string;
  scopes: readonly string[];
  owner?: string;
  /** Epoch milliseconds; absent: never expires. */
  expiresAt?: number;
  sha256: Buffer;
}

export interface Snapshot {
  revision: number;
  /** When it was compiled (epoch ms), for /readyz and logs. */
  loadedAt: number;
  issuer: string;
  settings: SettingsProps;
  keys: KeyRing;
  clients: ReadonlyMap<string, ClientEntry>;
  apis: ReadonlyMap<string, ApiEntry>;
  apisByAudience: ReadonlyMap<string, ApiEntry>;
  /** By the key's public lookup prefix (`sck_<8 hex>`). */
  apiKeys: ReadonlyMap<string, ApiKeyEntry>;
  users: ReadonlyMap<string, UserProps>;
  /** User id by e-mail address, lower-cased: how the login page finds the user who signs in. */
  usersByEmail: ReadonlyMap<string, string>;
  roles: ReadonlyMap<string, RoleProps>;
}

/** What a store without a Settings row means: the defaults a manifest folder without one gets. */
export const DEFAULT_SETTINGS: SettingsProps = {
  ...SETTINGS_DEFAULTS,
  managementAudience: defaultManagementAudience(SETTINGS_DEFAULTS.issuer),
};

/** The Settings row of a list of rows, or the defaults when the store has none yet. */
export function settingsOf(rows: readonly StoredResource[]): SettingsProps {
  const row = rows.find((r) => r.kind === "Settings" && r.id === SETTINGS_ID);
  return row?.kind === "Settings" ? row.props : DEFAULT_SETTINGS;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function compileApis(rows: readonly StoredResource[]): Map<string, ApiEntry> {
  const scopesOf = new Map<string, ScopeEntry[]>();
  const sourceOf = new Map<string, { name: string; upload: boolean }>();
  for (const row of rows) {
    if (row.kind === "Scope") {
      const { api, name, description, origin, source } = row.props;
      const list = scopesOf.get(api) ?? [];
      list.push({
        name,
        description,
        origin,
        ...(source ? { source } : {}),
        managedBy: row.managedBy,
        ...(row.commit ? { commit: row.commit } : {}),
      });
      scopesOf.set(api, list);
    } else if (row.kind === "OpenApiSource") {
      sourceOf.set(row.props.api, { name: row.id, upload: isUploadSource(row.props) });
    }
  }
  const apis = new Map<string, ApiEntry>();
  for (const row of rows) {
    if (row.kind !== "Api") continue;
    const scopes = (scopesOf.get(row.id) ?? []).sort(byName);
    const source = sourceOf.get(row.id);
    apis.set(row.id, {
      name: row.id,
      audience: row.props.audience,
      displayName: row.props.displayName,
      scopes,
      scopeNames: new Set(scopes.map((s) => s.name)),
      ...(source ? { openApiSource: source.name } : {}),
      ...(source?.upload ? { openApiUpload: true as const } : {}),
    });
  }
  return apis;
}

function compileClient(
  name: string,
  props: ApplicationProps,
  apis: ReadonlyMap<string, ApiEntry>,
): ClientEntry {
  const authorizations = new Map<string, Authorization>();
  for (const [apiName, access] of Object.entries(props.apis)) {
    const api = apis.get(apiName);
    if (!api) continue;
    // `all` follows the Api's scopes as they are now; a listed scope the Api no longer has is not granted.
    const scopes = access.all
      ? api.scopes.map((s) => s.name)
      : access.scopes.filter((s) => api.scopeNames.has(s));
    authorizations.set(api.audience, {
      api: apiName,
      audience: api.audience,
      scopes,
      scopeSet: new Set(scopes),
      all: access.all,
    });
  }
  const sha256 = props.secret.kind !== "none" ? props.secret.sha256 : undefined;
  return {
    name,
    clientId: props.clientId,
    type: props.type,
    redirectUris: [...props.redirectUris],
    ...(sha256 ? { secretSha256: Buffer.from(sha256, "hex") } : {}),
    secretKind: props.secret.kind,
    disabled: props.disabled === true,
    lifetimeSeconds: props.tokens.lifetimeSeconds,
    includePermissions: props.tokens.includeApiScopesInPermissions,
    authorizations,
  };
}

export interface SnapshotInput {
  revision: number;
  rows: readonly StoredResource[];
  keys: KeyRing;
  /** `--issuer` of `scopectl serve`; else the Settings row's issuer. */
  issuer?: string | undefined;
  now?: number;
}

export function compileSnapshot(input: SnapshotInput): Snapshot {
  const { rows } = input;
  const settings = settingsOf(rows);
  const apis = compileApis(rows);
  const clients = new Map<string, ClientEntry>();
  const apiKeys = new Map<string, ApiKeyEntry>();
  const users = new Map<string, UserProps>();
  const roles = new Map<string, RoleProps>();
  for (const row of rows) {
    switch (row.kind) {
      case "Application":
        clients.set(row.props.clientId, compileClient(row.id, row.props, apis));
        break;
      case "ApiKey": {
        const { prefix, sha256, api, scopes, owner, expiresAt } = row.props;
        const audience = apis.get(api)?.audience;
        if (!prefix || !sha256 || !audience) break;
        apiKeys.set(prefix, {
          name: row.id,
          api,
          audience,
          scopes: [...scopes],
          ...(owner ? { owner } : {}),
          ...(expiresAt ? { expiresAt: Date.parse(expiresAt) } : {}),
          sha256: Buffer.from(sha256, "hex"),
        });
        break;
      }
      case "User":
        users.set(row.id, row.props);
        break;
      case "Role":
        roles.set(row.id, row.props);
        break;
      default:
        break;
    }
  }
  const apisByAudience = new Map([...apis.values()].map((api) => [api.audience, api]));
  const usersByEmail = new Map([...users].map(([id, user]) => [user.email.toLowerCase(), id]));
  return Object.freeze({
    revision: input.revision,
    loadedAt: input.now ?? Date.now(),
    issuer: (input.issuer ?? settings.issuer).replace(/\/+$/, ""),
    settings,
    keys: input.keys,
    clients,
    apis,
    apisByAudience,
    apiKeys,
    users,
    usersByEmail,
    roles,
  });
}
