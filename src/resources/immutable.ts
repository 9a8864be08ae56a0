/**
 * The fields that identify a resource: changing one means a new resource (delete, then create), never
 * an update in place. `scopectl plan` shows such changes as replace, and the Pulumi providers return
 * them as `replaces`, so both doors agree.
 */
import type { ResourceKind } from "../model/resources.ts";

export const IMMUTABLE_FIELDS: { readonly [K in ResourceKind]: readonly string[] } = {
  Settings: [],
  Api: ["audience"],
  OpenApiSource: ["api"],
  // A scope's name is its identity (only the description can be edited).
  Scope: ["api", "name"],
  Role: [],
  User: [],
  Application: ["type", "clientId"],
  // API keys are immutable: new scopes, a new owner or a new expiry is a new key.
  ApiKey: ["api", "scopes", "owner", "expiresAt"],
};

/**
 * Output fields: made by create (hashes of generated secrets, key prefixes), absent from the desired
 * state, and so never a reason to update.
 */
export const OUTPUT_FIELDS: { readonly [K in ResourceKind]: readonly string[] } = {
  Settings: [],
  Api: [],
  OpenApiSource: [],
  Scope: [],
  Role: [],
  User: [],
  Application: [],
  ApiKey: ["prefix", "sha256"],
};
