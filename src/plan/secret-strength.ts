/**
 * How strong a client secret from the environment (`secret: {fromEnv: NAME}`) must be. The store keeps
 * client secrets as unsalted SHA-256 digests, and the token endpoint compares one per request: a slow
 * salted KDF there would cost milliseconds of CPU on every token request, and a flood of wrong secrets
 * from many addresses would become a cheap way to exhaust the server. SHA-256 is safe only for secrets
 * that cannot be guessed, so a secret a human may have chosen is refused at plan time unless it is long
 * and varied enough: at least 32 characters and an estimated 128 bits. Generated secrets (256 random
 * bits) always pass.
 *
 * The estimate is length × log2(the size of the character classes used: lowercase 26, uppercase 26,
 * digits 10, anything else 33), where the length is that of the shortest pattern the secret repeats
 * (`abcabcabc` counts as 3 characters). It is a floor that catches short, digit-only and repetitive
 * values, not a proof of randomness: a generated value is what to use.
 */

export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_BITS = 128;
export const HOW_TO_MAKE_A_SECRET = "make one with `openssl rand -base64 32`";

const CLASSES: ReadonlyArray<{ test: RegExp; size: number }> = [
  { test: /[a-z]/, size: 26 },
  { test: /[A-Z]/, size: 26 },
  { test: /[0-9]/, size: 10 },
  { test: /[^a-zA-Z0-9]/u, size: 33 },
];

/** The length of the shortest prefix that the whole of `chars` repeats (KMP's failure function). */
function periodOf(chars: readonly string[]): number {
  const failure = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = failure[k - 1] ?? 0;
    if (chars[i] === chars[k]) k++;
    failure[i] = k;
  }
  return chars.length - (failure[chars.length - 1] ?? 0);
}

/** Estimated bits of a secret: its non-repeating length × log2 of the alphabet of its character classes. */
export function estimatedBits(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const alphabet = CLASSES.filter((c) => c.test.test(secret)).reduce((sum, c) => sum + c.size, 0);
  return periodOf(chars) * Math.log2(alphabet);
}

/**
 * Why `secret` is too weak to be stored as a SHA-256 digest, in words that never quote it, or
 * undefined when it is strong enough.
 */
export function weakSecretReason(secret: string): string | undefined {
  const chars = [...secret];
  if (chars.length < MIN_SECRET_LENGTH) return `it is shorter than ${MIN_SECRET_LENGTH} characters`;
  if (estimatedBits(secret) >= MIN_SECRET_BITS) return undefined;
  return periodOf(chars) * 2 <= chars.length
    ? "it repeats a shorter pattern"
    : `it uses too few kinds of characters for its length (an estimated ${MIN_SECRET_BITS} bits are needed)`;
}
