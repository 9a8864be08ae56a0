/**
 * `scopectl/resource-server`: the API side of scopectl, for any framework (docs/resource-server.md).
 * `scopectl/express` wraps it as Express middleware.
 */
export { type AccessTokenOptions, DEFAULT_ALGORITHMS } from "./access-tokens.ts";
export { API_KEY_PREFIX, type ApiKeyOptions, MAX_API_KEY_CACHE_SECONDS } from "./api-keys.ts";
export { bearerChallenge, type ChallengeParams } from "./bearer.ts";
export { AccessRefused, type BearerErrorCode } from "./errors.ts";
export {
  metadataUrlOf,
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
  WELL_KNOWN_PATH,
} from "./metadata.ts";
export type { Principal } from "./principal.ts";
export {
  type CheckOptions,
  type Decision,
  type ProtectedRequest,
  type RefusalResponse,
  ResourceServer,
  type ResourceServerOptions,
} from "./resource-server.ts";
export { type RouteMatch, type RouteOperation, RouteTable, type RouteTableOptions } from "./route-table.ts";
export { SCOPE_CLAIMS, type ScopeClaim } from "./scope-claims.ts";
export { routeTableOfFile, type SpecRoutesOptions } from "./spec-routes.ts";
