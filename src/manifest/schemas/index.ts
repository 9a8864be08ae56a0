/**
 * The manifest kinds and their JSON Schemas: what the validator compiles and what `scopectl schema`
 * prints for editors (e.g. yaml-language-server's `# yaml-language-server: $schema=...`).
 */
import type { TSchema } from "@sinclair/typebox";
import { ScopectlError } from "../../core/errors.ts";
import { type ApiManifest, ApiManifestSchema } from "./api.ts";
import { type ApiKeyManifest, ApiKeyManifestSchema } from "./api-key.ts";
import { type ApplicationManifest, ApplicationManifestSchema } from "./application.ts";
import { API_VERSION, isManifestKind, MANIFEST_KINDS, type ManifestKind } from "./kinds.ts";
import { type OpenApiSourceManifest, OpenApiSourceManifestSchema } from "./openapi-source.ts";
import { type OverlayManifest, OverlayManifestSchema } from "./overlay.ts";
import { type RoleManifest, RoleManifestSchema } from "./role.ts";
import { type SettingsManifest, SettingsManifestSchema } from "./settings.ts";
import { type UserManifest, UserManifestSchema } from "./user.ts";

export type { ApiManifest } from "./api.ts";
export type { ApiKeyManifest } from "./api-key.ts";
export type { ApplicationManifest } from "./application.ts";
export { API_VERSION, isManifestKind, MANIFEST_KINDS, type ManifestKind } from "./kinds.ts";
export type { OpenApiSourceManifest } from "./openapi-source.ts";
export type { OverlayManifest } from "./overlay.ts";
export type { RoleManifest } from "./role.ts";
export type { SettingsManifest } from "./settings.ts";
export type { UserManifest } from "./user.ts";

/** The TypeScript type of a valid document of each kind. */
export interface ManifestByKind {
  Api: ApiManifest;
  OpenApiSource: OpenApiSourceManifest;
  Role: RoleManifest;
  User: UserManifest;
  Application: ApplicationManifest;
  ApiKey: ApiKeyManifest;
  Settings: SettingsManifest;
  Overlay: OverlayManifest;
}

export const KIND_SCHEMAS: { readonly [K in ManifestKind]: TSchema } = {
  Api: ApiManifestSchema,
  OpenApiSource: OpenApiSourceManifestSchema,
  Role: RoleManifestSchema,
  User: UserManifestSchema,
  Application: ApplicationManifestSchema,
  ApiKey: ApiKeyManifestSchema,
  Settings: SettingsManifestSchema,
  Overlay: OverlayManifestSchema,
};

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** `$id`s are URNs: identifiers, not URLs anyone must host. */
export function schemaId(kind?: ManifestKind): string {
  const version = API_VERSION.split("/")[1];
  return kind ? `urn:scopectl:schema:${version}:${kind}` : `urn:scopectl:schema:${version}`;
}

/** A deep copy as plain JSON: drops TypeBox's symbol keys, so callers can mutate or print it freely. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The JSON Schema (draft 2020-12) of one kind's documents, or, without a kind, of any manifest
 * document: a `oneOf` over the kinds (the `kind` constant makes exactly one branch match).
 */
export function manifestSchema(kind?: ManifestKind | string): Record<string, unknown> {
  if (kind !== undefined) {
    if (!isManifestKind(kind)) {
      throw new ScopectlError(
        "input.unknown-kind",
        `unknown kind "${kind}"; the kinds are ${MANIFEST_KINDS.join(", ")}`,
      );
    }
    return { $schema: JSON_SCHEMA_DIALECT, $id: schemaId(kind), ...plain(KIND_SCHEMAS[kind]) };
  }
  const defs: Record<string, unknown> = {};
  for (const k of MANIFEST_KINDS) defs[k] = plain(KIND_SCHEMAS[k]);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: schemaId(),
    title: "scopectl manifest",
    description: `One document of a scopectl manifest file (apiVersion ${API_VERSION}): ${MANIFEST_KINDS.join(", ")}.`,
    oneOf: MANIFEST_KINDS.map((k) => ({ $ref: `#/$defs/${k}` })),
    $defs: defs,
  };
}
