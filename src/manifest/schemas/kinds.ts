/**
 * The manifest format's version and its kinds, without their schemas: what the envelope check, the
 * resolver and `scopectl schema`'s help need. Apart from the TypeBox schemas (index.ts), whose library
 * alone costs a process about 100 ms to load, so that reading manifests with the precompiled validators
 * (validate/ajv.ts) loads none of it (docs/benchmarks.md#cli-start-up).
 */

export const API_VERSION = "scopectl/v1";

/** In the order they are resolved and listed: what others refer to comes first. */
export const MANIFEST_KINDS = [
  "Api",
  "OpenApiSource",
  "Role",
  "User",
  "Application",
  "ApiKey",
  "Settings",
  "Overlay",
] as const;
export type ManifestKind = (typeof MANIFEST_KINDS)[number];

export function isManifestKind(value: unknown): value is ManifestKind {
  return typeof value === "string" && (MANIFEST_KINDS as readonly string[]).includes(value);
}
