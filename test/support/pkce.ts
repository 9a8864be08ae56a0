/** A PKCE S256 pair for tests (RFC 7636 §4.1-4.2), made as a client would. */
import { createHash, randomBytes } from "node:crypto";

export function calculatePkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}
