/** Rules about names that every layer shares: manifest ids and scope names. */

/** A manifest's `metadata.name`: the stable id other documents refer to. */
export const RESOURCE_NAME_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
export const RESOURCE_NAME = new RegExp(RESOURCE_NAME_PATTERN);

/** Longest scope name we create; longer generated names are cut and given a hash suffix. */
export const MAX_SCOPE_NAME_LENGTH = 64;

/**
 * Scope names an authorization server reserves for OpenID Connect and refresh tokens. They are never
 * created as API scopes, listed manually or generated from an OpenAPI spec.
 */
export const RESERVED_SCOPE_NAMES: ReadonlySet<string> = new Set([
  "openid",
  "profile",
  "email",
  "offline_access",
  "offline",
  "phone",
  "address",
]);

export function isReservedScopeName(name: string): boolean {
  return RESERVED_SCOPE_NAMES.has(name);
}

/**
 * A scope name as it travels in a token's space-separated `scope` claim (RFC 6749 §3.3: printable
 * ASCII except space, `"` and `\`), capped at our length limit.
 */
export const SCOPE_NAME_PATTERN = "^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}$";
