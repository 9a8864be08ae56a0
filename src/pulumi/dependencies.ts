/**
 * What each resource refers to, as store keys (`<kind>:<id>`). The program turns them into Pulumi
 * `dependsOn`, so that `pulumi up` creates a scope after its Api and deletes it before, as `scopectl
 * apply` orders its changes. `dependsOn` rather than `parent`: a parent is part of the URN, and an
 * application moving between Apis must not change its URN (that would be a delete and a create).
 */

import type { ScopeGrants } from "../model/desired.ts";
import { type Resource, resourceKey } from "../model/resources.ts";
import { scopeId } from "../plan/desired-resources.ts";

/**
 * Adds the keys of what `grants` refers to onto `keys`. It appends rather than returning a list to
 * spread: an Application with every scope of a 200,000-operation Api would overflow the call stack.
 */
function addGrantKeys(keys: string[], grants: ScopeGrants | Record<string, { scopes: string[] }>): void {
  for (const [api, value] of Object.entries(grants)) {
    keys.push(resourceKey("Api", api));
    const scopes = Array.isArray(value) ? value : value.scopes;
    for (const scope of scopes) keys.push(resourceKey("Scope", scopeId(api, scope)));
  }
}

/** The keys of the resources `resource` refers to, sorted and unique. */
export function dependencyKeys(resource: Resource): string[] {
  const keys: string[] = [];
  switch (resource.kind) {
    case "OpenApiSource":
      keys.push(resourceKey("Api", resource.props.api));
      break;
    case "Scope":
      keys.push(resourceKey("Api", resource.props.api));
      if (resource.props.source !== undefined) keys.push(resourceKey("OpenApiSource", resource.props.source));
      break;
    case "Role":
      addGrantKeys(keys, resource.props.scopes);
      break;
    case "User":
      for (const role of resource.props.roles) keys.push(resourceKey("Role", role));
      addGrantKeys(keys, resource.props.additionalScopes);
      break;
    case "Application":
      addGrantKeys(keys, resource.props.apis);
      break;
    case "ApiKey":
      addGrantKeys(keys, { [resource.props.api]: resource.props.scopes });
      if (resource.props.owner !== undefined) keys.push(resourceKey("User", resource.props.owner));
      break;
    case "Settings":
    case "Api":
      break;
  }
  return [...new Set(keys)].sort();
}
