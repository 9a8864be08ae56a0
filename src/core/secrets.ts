/**
 * Secret material made by scopectl: client secrets and API keys. High-entropy random bytes from the
 * OS CSPRNG; only their SHA-256 is stored (a fast hash is right for 256-bit random secrets: there is
 * nothing to brute-force), and they are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Recognizable by secret scanners (GitHub, GitLab and trufflehog match on such prefixes). */
export const API_KEY_PREFIX = "sck_";
export const CLIENT_SECRET_PREFIX = "scs_";

/** SHA-256 in hex of a string (as UTF-8) or of bytes. */
export function sha256Hex(value: string | Uint8Array): string {
  return typeof value === "string"
    ? createHash("sha256").update(value, "utf8").digest("hex")
    : createHash("sha256").update(value).digest("hex");
}

export function generateClientSecret(): string {
  return `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/**
 * `sck_<8 hex lookup id>_<43 chars of base64url>`: the lookup id is public (listings, logs) and lets the
 * service find the key's row without scanning; the rest is the secret.
 */
export function generateApiKey(): { key: string; prefix: string } {
  const lookup = randomBytes(4).toString("hex");
  const prefix = `${API_KEY_PREFIX}${lookup}`;
  return { key: `${prefix}_${randomBytes(32).toString("base64url")}`, prefix };
}

/** Constant-time comparison of a presented secret with a stored SHA-256 digest. */
export function matchesSha256(presented: string, digest: Buffer): boolean {
  const hashed = createHash("sha256").update(presented, "utf8").digest();
  return hashed.length === digest.length && timingSafeEqual(hashed, digest);
}
