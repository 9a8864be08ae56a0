/**
 * PKCE (RFC 7636) with S256 only. `plain` sends the verifier itself through the browser, so it protects
 * nothing against the interception PKCE exists for (OAuth 2.1 and RFC 9700 §2.1.1 say S256); an
 * absent method means `plain` (RFC 7636 §4.3), so it is refused too.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const CODE_CHALLENGE_METHODS = ["S256"] as const;

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** BASE64URL(SHA256(verifier)) without padding: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export const isCodeVerifier = (value: string): boolean => VERIFIER.test(value);
export const isS256Challenge = (value: string): boolean => S256_CHALLENGE.test(value);

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** Does the verifier hash to the challenge? Compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!isCodeVerifier(verifier)) return false;
  const expected = Buffer.from(s256(verifier));
  const given = Buffer.from(challenge);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
