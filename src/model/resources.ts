/**
 * The store's view of the world: flat resources, one per entity, each with a kind, a stable id and
 * plain JSON props. The desired state (from manifests) and the store (what was applied) are both
 * turned into lists of these, and the planner compares the two lists. The same shape is what a Pulumi
 * dynamic resource carries as inputs and outputs.
 */

import type { ApplicationType, ScopeGrants, ScopeOrigin, SigningAlg } from "./desired.ts";
import type { SpecFileInfo } from "./spec-import.ts";

/** Parents before children: the order creates run in (deletes run in reverse). */
export const RESOURCE_KINDS = [
  "Settings",
  "Api",
  "OpenApiSource",
  "Scope",
  "Role",
  "User",
  "Application",
  "ApiKey",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface SettingsProps {
  issuer: string;
  signingAlg: SigningAlg;
  accessTokenLifetimeSeconds: number;
  managementAudience: string;
}

export interface ApiProps {
  audience: string;
  displayName: string;
}

/** id: `<api>/<name>`. The name is the identity: a new name is a delete and a create. */
export interface ScopeProps {
  api: string;
  name: string;
  description: string;
  origin: ScopeOrigin;
  /** The OpenApiSource that generated it (origin `openapi`). */
  source?: string;
}

/**
 * An OpenApiSource reads a file of the manifest folder (git imports it on every apply), or takes its
 * spec by upload over HTTP (`PUT /v1/apis/{api}/openapi`): then the row only declares that, and the
 * scopes the uploads generate are rows of the uploader (docs/openapi.md#uploads).
 */
export type OpenApiSourceProps = FileSourceProps | UploadSourceProps;

export interface FileSourceProps {
  api: string;
  file: SpecFileInfo;
  specVersion: string;
}

export interface UploadSourceProps {
  api: string;
  upload: true;
}

export function isUploadSource(props: OpenApiSourceProps): props is UploadSourceProps {
  return "upload" in props && props.upload === true;
}

export interface RoleProps {
  displayName: string;
  description: string;
  scopes: ScopeGrants;
}

export interface UserProps {
  email: string;
  displayName: string;
  roles: string[];
  additionalScopes: ScopeGrants;
  disabled: boolean;
}

/**
 * How an application's client secret is kept: never the secret itself, only its SHA-256. `env`: read
 * from the named variable when the plan is made; `generated`: made on create and shown once (the
 * desired state has no hash yet: it is an output of create, like a Pulumi output); `none`: a public
 * client (spa).
 */
export type StoredSecret =
  | { kind: "env"; env: string; sha256: string }
  | { kind: "generated"; sha256?: string }
  | { kind: "none" };

export interface ApplicationProps {
  type: ApplicationType;
  clientId: string;
  secret: StoredSecret;
  redirectUris: string[];
  /** Per Api: `all` follows the Api's scopes; `scopes` is the enabled list (expanded for `all`). */
  apis: Record<string, { all: boolean; scopes: string[] }>;
  tokens: { lifetimeSeconds: number; includeApiScopesInPermissions: boolean };
  /** Present (true) only when disabled, so that rows written before the field existed stay unchanged. */
  disabled?: true;
}

export interface ApiKeyProps {
  api: string;
  scopes: string[];
  owner?: string;
  expiresAt?: string;
  /** The key's public prefix (shown in listings and to secret scanners) and the SHA-256 of the key. */
  prefix?: string;
  sha256?: string;
}

export interface PropsByKind {
  Settings: SettingsProps;
  Api: ApiProps;
  OpenApiSource: OpenApiSourceProps;
  Scope: ScopeProps;
  Role: RoleProps;
  User: UserProps;
  Application: ApplicationProps;
  ApiKey: ApiKeyProps;
}

export type Resource<K extends ResourceKind = ResourceKind> = {
  [P in K]: { kind: P; id: string; props: PropsByKind[P] };
}[K];

/**
 * Who writes a row: the built-in reconciler, a Pulumi stack (`pulumi:<stack>`), or a client of the
 * management API (`api:<client id>`: uploads and scopes written over HTTP).
 */
export type ManagedBy = string;
export const RECONCILER: ManagedBy = "scopectl";

const HTTP_MANAGER_PREFIX = "api:";

/** The manager of rows a management API client writes. */
export const httpManager = (clientId: string): ManagedBy => `${HTTP_MANAGER_PREFIX}${clientId}`;

/** Whether a row was written over the management API (and so gives way to what git declares). */
export const isHttpManaged = (managedBy: ManagedBy): boolean => managedBy.startsWith(HTTP_MANAGER_PREFIX);

/** A commit as plans, apply and audit rows record it. */
export interface CommitInfo {
  sha: string;
  author: string;
  subject: string;
  dirty: boolean;
}

export type StoredResource<K extends ResourceKind = ResourceKind> = Resource<K> & {
  managedBy: ManagedBy;
  commit?: string;
  createdRevision: number;
  updatedRevision: number;
};

export function resourceKey(kind: ResourceKind, id: string): string {
  return `${kind}:${id}`;
}
