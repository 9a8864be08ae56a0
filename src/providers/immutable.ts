/**
 * The fields that identify a resource: changing one means a new resource (delete, then create), never
 * an update in place. `scopectl plan` shows such changes as replace, and the Pulumi providers return
 * them as `replaces`, so both doors agree.
 */
import { isDeepStrictEqual } from "node:util";
import type { ApplicationProps, PropsByKind, ResourceKind } from "../model/resources.ts";

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

/** The top-level fields whose change forces a replacement, sorted. */
export function replacementFields<K extends ResourceKind>(
  kind: K,
  before: PropsByKind[K],
  after: PropsByKind[K],
): string[] {
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  const fields = IMMUTABLE_FIELDS[kind].filter((field) => !isDeepStrictEqual(b[field], a[field]));
  if (kind === "Application") {
    // Only create makes a client secret: an update to "generated" would leave the application with
    // no secret at all, so switching to a generated secret re-creates the application.
    const was = (before as ApplicationProps).secret.kind;
    const will = (after as ApplicationProps).secret.kind;
    if (will === "generated" && was !== "generated") fields.push("secret");
  }
  return fields.sort();
}
