/**
 * The issuer's signing keys, fetched from its JWKS by jose's remote key set (cached for `cacheMaxAge`,
 * fetched again when a token names a key id it does not hold, at most once per 30 s cooldown), made
 * resilient to the issuer's outages:
 * - a failed fetch is not retried for `FAILURE_BACKOFF_MS`, so a flood of tokens during an outage costs
 *   the issuer nothing more;
 * - while the JWKS cannot be fetched, the keys of the last successful fetch keep verifying tokens for up
 *   to `STALE_KEYS_MAX_MS`, so an outage of the issuer does not stop an API whose keys it already knows.
 *   A key retired at the issuer during that hour stays trusted here until the JWKS answers again.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";

/** How long after a failed fetch no new fetch is tried. */
export const FAILURE_BACKOFF_MS = 5000;
/** How long the last fetched keys are trusted while the JWKS cannot be fetched. */
export const STALE_KEYS_MAX_MS = 60 * 60 * 1000;
/** How long a fetched JWKS is used before it is fetched again (jose's default). */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;

/** Key-set failures that are the issuer's or the network's, not the token's: the API answers 503. */
export class KeysUnreachable extends Error {}

/** No key of that kid (after a fresh fetch), several, or an unusable one: the token's fault, not an outage. */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  );
}

export interface RemoteKeysOptions {
  jwksUri: string;
  timeoutMs: number;
  /** How long a fetched JWKS is used before it is fetched again; default JWKS_CACHE_MAX_AGE_MS. */
  cacheMaxAgeMs?: number;
  now: () => number;
}

export function remoteKeys(options: RemoteKeysOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(options.jwksUri), {
    timeoutDuration: options.timeoutMs,
    cacheMaxAge: options.cacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS,
  });
  let failedAt = Number.NEGATIVE_INFINITY;
  let last: { document: JSONWebKeySet; keys: JWTVerifyGetKey; at: number } | undefined;

  const stale: JWTVerifyGetKey = (header, token) => {
    if (last && options.now() - last.at <= STALE_KEYS_MAX_MS) return last.keys(header, token);
    throw new KeysUnreachable("the issuer's signing keys cannot be fetched");
  };

  return async (header, token) => {
    if (options.now() - failedAt < FAILURE_BACKOFF_MS) return stale(header, token);
    try {
      const key = await remote(header, token);
      const document = remote.jwks();
      if (document && document !== last?.document)
        last = { document, keys: createLocalJWKSet(document), at: 0 };
      if (last) last.at = options.now();
      return key;
    } catch (error) {
      if (isTokenFault(error)) throw error;
      failedAt = options.now();
      try {
        return await stale(header, token);
      } catch (staleError) {
        if (staleError instanceof KeysUnreachable)
          throw new KeysUnreachable(staleError.message, { cause: error });
        throw staleError;
      }
    }
  };
}
