/** ApiKeys: their Api, scopes of that Api, and owner. */
import type { DesiredApiKey } from "../../model/desired.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { checkReference, checkScopeList } from "./references.ts";

export function resolveApiKeys(ctx: Resolution): Map<string, DesiredApiKey> {
  const keys = new Map<string, DesiredApiKey>();
  for (const { name, doc, manifest } of ctx.valid("ApiKey")) {
    const { spec } = manifest;
    const apiKnown = checkReference(ctx, "Api", doc, ["spec", "api"], spec.api);
    const scopes = apiKnown
      ? checkScopeList(ctx, doc, ["spec", "scopes"], spec.api, spec.scopes)
      : spec.scopes;
    if (spec.owner !== undefined) checkReference(ctx, "User", doc, ["spec", "owner"], spec.owner);
    const key: DesiredApiKey = { name, api: spec.api, scopes, source: sourcePosition(doc) };
    if (spec.owner !== undefined) key.owner = spec.owner;
    if (spec.expiresAt !== undefined) key.expiresAt = spec.expiresAt;
    keys.set(name, key);
  }
  return keys;
}
