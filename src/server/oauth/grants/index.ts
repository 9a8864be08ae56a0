/**
 * The token endpoint's grants, keyed by grant_type: the route looks the grant up here and calls it, and
 * discovery advertises what is here. A new grant is a file of this folder and a line below.
 */
import { authorizationCode } from "./authorization-code.ts";
import { clientCredentials } from "./client-credentials.ts";
import { refreshToken } from "./refresh-token.ts";
import type { TokenGrant } from "./types.ts";

/** A Map, not an object: a grant_type such as `constructor` or `__proto__` must find nothing. */
const GRANTS: ReadonlyMap<string, TokenGrant> = new Map([
  ["client_credentials", clientCredentials],
  ["authorization_code", authorizationCode],
  ["refresh_token", refreshToken],
]);

/** In registry order: discovery's grant_types_supported and the unsupported_grant_type message. */
export const GRANT_TYPES_SUPPORTED: readonly string[] = [...GRANTS.keys()];

export const grantFor = (grantType: string): TokenGrant | undefined => GRANTS.get(grantType);
