/**
 * Verifying an RFC 9068 access token: a JWT of `typ: at+jwt`, signed by a key of the issuer's JWKS
 * (fetched by jose's remote key set, cached, fetched again when a token names a key it does not hold, so
 * a rotation needs nothing from the API), issued by the issuer, for this API's audience, not expired and
 * not used before its time (a small clock tolerance), with the claims RFC 9068 §2.2 requires.
 */
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { invalidToken, unavailable } from "./errors.ts";
import type { Principal } from "./principal.ts";
import { KeysUnreachable, remoteKeys } from "./remote-keys.ts";
import { type ScopeClaim, scopesOf } from "./scope-claims.ts";

export interface AccessTokenOptions {
  /** The authorization server's issuer, exactly as its tokens' `iss` (scopectl: its `--issuer`). */
  issuer: string;
  /** This API's audience, as its Api manifest declares it: tokens for other APIs are refused. */
  audience: string;
  /** The issuer's JWKS; default `{issuer}/.well-known/jwks.json` (scopectl's). */
  jwksUri?: string;
  /** A key set of your own instead of fetching one (a local JWKS, tests, benchmarks). */
  keys?: JWTVerifyGetKey | JSONWebKeySet;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`; default 5. */
  clockToleranceSeconds?: number;
  /** The claim the scopes are read from; default `scope` (RFC 9068), `scp` for Kinde-style tokens. */
  scopeClaim?: ScopeClaim;
  /** Signature algorithms accepted; default the asymmetric ones scopectl signs with, and their kin. */
  algorithms?: string[];
  /** How long a JWKS fetch may take, in milliseconds; default 5000. */
  jwksTimeoutMs?: number;
  /** How long fetched keys are used before the JWKS is fetched again, in milliseconds; default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /** The clock, in milliseconds since the epoch; default Date.now (tests move it). */
  now?: () => number;
}

export const DEFAULT_ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"];
/** RFC 9068 §2.2: every access token carries these (`aud` and `iss` are checked by value). */
const REQUIRED_CLAIMS = ["exp", "iat", "sub", "client_id", "jti"];

/** What the request's token says when it verifies. */
export type AccessTokenVerifier = (token: string) => Promise<Principal>;

function keySetOf(options: AccessTokenOptions): JWTVerifyGetKey {
  if (typeof options.keys === "function") return options.keys;
  if (options.keys) return createLocalJWKSet(options.keys);
  return remoteKeys({
    jwksUri: options.jwksUri ?? `${options.issuer.replace(/\/+$/, "")}/.well-known/jwks.json`,
    timeoutMs: options.jwksTimeoutMs ?? 5000,
    ...(options.jwksCacheMaxAgeMs !== undefined ? { cacheMaxAgeMs: options.jwksCacheMaxAgeMs } : {}),
    now: options.now ?? Date.now,
  });
}

/** `none` and the HMAC algorithms are never accepted: a public key must not double as a shared secret. */
function checkedAlgorithms(algorithms: string[] | undefined): string[] {
  const list = algorithms ?? DEFAULT_ALGORITHMS;
  const refused = list.filter((alg) => alg === "none" || /^HS/i.test(alg));
  if (refused.length > 0 || list.length === 0) {
    throw new TypeError(
      `algorithms: ${refused.join(", ") || "an empty list"} cannot verify access tokens; use asymmetric ones`,
    );
  }
  return list;
}

/** Why a token did not verify, in words that name no part of the token itself. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the access token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "typ") return "not an access token: its typ is not at+jwt (RFC 9068)";
    if (error.claim === "aud") return "the access token is not for this API (aud)";
    if (error.claim === "iss") return "the access token is not from this issuer (iss)";
    if (error.claim === "nbf") return "the access token is not valid yet (nbf)";
    return `the access token's "${error.claim}" claim is refused: ${error.reason}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "the access token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey)
    return "the access token is signed by a key the issuer does not publish";
  if (error instanceof errors.JOSEAlgNotAllowed)
    return "the access token is signed with an algorithm this API refuses";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return "the access token is not a valid JWT";
  return "the access token does not verify";
}

export function accessTokenVerifier(options: AccessTokenOptions): AccessTokenVerifier {
  const keys = keySetOf(options);
  const scopeClaim = options.scopeClaim ?? "scope";
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    typ: "at+jwt",
    clockTolerance: options.clockToleranceSeconds ?? 5,
    algorithms: checkedAlgorithms(options.algorithms),
    requiredClaims: REQUIRED_CLAIMS,
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      const currentDate = options.now ? new Date(options.now()) : undefined;
      ({ payload } = await jwtVerify(token, keys, {
        ...verifyOptions,
        ...(currentDate ? { currentDate } : {}),
      }));
    } catch (error) {
      if (error instanceof KeysUnreachable) {
        throw unavailable("the issuer's signing keys cannot be fetched", error);
      }
      throw invalidToken(describe(error), error);
    }
    return {
      kind: "access_token",
      subject: payload.sub,
      clientId: typeof payload.client_id === "string" ? payload.client_id : undefined,
      scopes: scopesOf(payload, scopeClaim),
      expiresAt: payload.exp,
      claims: Object.freeze({ ...payload }),
    };
  };
}
