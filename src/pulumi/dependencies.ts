/**
 * What each resource refers to, as store keys (`<kind>:<id>`). The program turns them into Pulumi
 * `dependsOn`, so that `pulumi up` creates a scope after its Api and deletes it before, as `scopectl
 * apply` orders its changes. `dependsOn` rather than `parent`: a parent is part of the URN, and an
 * application moving between Apis must not change its URN (that would be a delete and a create).
 */

import type { ScopeGrants } from "../model/desired.ts";
import { type Resource, resourceKey } from "../model/resources.ts";
import { scopeId } from "../plan/desired-resources.ts";

function grantKeys(grants: ScopeGrants | Record<string, { scopes: string[] }>): string[] {
  const keys: string[] = [];
  for (const [api, value] of Object.entries(grants)) {
    keys.push(resourceKey("Api", api));
    const scopes = Array.isArray(value) ? value : value.scopes;
    for (const scope of scopes) keys.push(resourceKey("Scope", scopeId(api, scope)));
  }
  return keys;
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
      keys.push(...grantKeys(resource.props.scopes));
      break;
    case "User":
      for (const role of resource.props.roles) keys.push(resourceKey("Role", role));
      keys.push(...grantKeys(resource.props.additionalScopes));
      break;
    case "Application":
      keys.push(...grantKeys(resource.props.apis));
      break;
    case "ApiKey":
      keys.push(...grantKeys({ [resource.props.api]: resource.props.scopes }));
      if (resource.props.owner !== undefined) keys.push(resourceKey("User", resource.props.owner));
      break;
    case "Settings":
    case "Api":
      break;
  }
  return [...new Set(keys)].sort();
}
