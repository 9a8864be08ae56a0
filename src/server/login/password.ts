/**
 * User passwords (issue 6): argon2id hashes in PHC form (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`),
 * so that each hash carries its salt and parameters and older hashes still verify after a change of them.
 *
 * Passwords are NFKC-normalized before hashing and before verifying (NIST SP 800-63B §5.1.1.2 asks
 * for a Unicode normalization), so that the same password typed on systems that compose accents
 * differently (é as one code point or as e + U+0301) is the same password.
 */
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { ScopectlError } from "../../core/errors.ts";

/**
 * OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB (memoryCost 19456 KiB), t = 2 iterations,
 * p = 1 lane. About 20-30 ms and 19 MiB per hash on a current server core, run off the event loop by
 * the native binding.
 */
const OPTIONS = {
  // Algorithm.Argon2id: the package declares the enum `const`, which isolated modules cannot read.
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

export const MIN_PASSWORD_LENGTH = 8;
/**
 * The login page's password field takes this many characters (its form post must fit the 8 KiB form
 * body limit, a character percent-encoding to up to 9 bytes), so `set-password` accepts no longer one:
 * a password that could be set but never typed into the form would lock its user out. NIST SP 800-63B
 * asks for at least 64; 128 is more than password managers generate.
 */
export const MAX_PASSWORD_LENGTH = 128;

const normalized = (password: string): string => password.normalize("NFKC");

/** A new PHC argon2id hash of `password`, with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  return hash(normalized(password), OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/** A hash of no one's password, made once (on first need) with the current parameters. */
function dummy(): Promise<string> {
  dummyHash ??= hashPassword("scopectl: no such user").catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  return dummyHash;
}

/**
 * Whether `password` matches `hash`. Without a hash (an unknown user, or one without a password) it
 * still verifies against a dummy hash and returns false, so that the answer takes as long as for a
 * known user and the timing does not tell which users exist. A malformed hash is false, never an error.
 */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  try {
    if (hash === undefined) {
      await verify(await dummy(), normalized(password));
      return false;
    }
    return await verify(hash, normalized(password));
  } catch {
    return false;
  }
}

/**
 * Refuses a password a user may not set, with one sentence saying why. NIST SP 800-63B: a length
 * between 8 and (at least) 64 characters, counted in Unicode code points, and no composition rules
 * (no required digits or symbols). Control characters (NUL, tab, newline, ...) are refused: no sign-in
 * form can send them, and a newline most likely means input was pasted wrongly.
 */
export function checkNewPassword(password: string): void {
  const text = normalized(password);
  const length = [...text].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new ScopectlError(
      "password.rejected",
      `the password is too short: it must be at least ${MIN_PASSWORD_LENGTH} characters long`,
    );
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new ScopectlError(
      "password.rejected",
      `the password is too long: it must be at most ${MAX_PASSWORD_LENGTH} characters long`,
    );
  }
  if (/\p{Cc}/u.test(text)) {
    throw new ScopectlError(
      "password.rejected",
      "the password contains a control character (such as a tab, a line break or NUL), which no sign-in form can send",
    );
  }
}
