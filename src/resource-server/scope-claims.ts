/**
 * Which claim carries a token's scopes. RFC 9068 §2.2.3 says `scope`, a space-separated string; Kinde-style
 * tokens carry `scp`, an array; `permissions` holds them when an Application says so. scopectl's tokens
 * carry `scope` and `scp` alike. The API chooses one claim: reading several would let a claim it does not
 * mean to trust widen what a token may do.
 */
import type { JWTPayload } from "jose";
import { invalidToken } from "./errors.ts";

export const SCOPE_CLAIMS = ["scope", "scp", "permissions"] as const;
export type ScopeClaim = (typeof SCOPE_CLAIMS)[number];

/** The scopes of `claim`: a space-separated string or an array of strings; absent is none. */
export function scopesOf(
  payload: JWTPayload | Record<string, unknown>,
  claim: ScopeClaim,
): ReadonlySet<string> {
  const value = payload[claim];
  if (value === undefined) return new Set();
  if (typeof value === "string") return new Set(value.split(" ").filter((s) => s !== ""));
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) return new Set(value as string[]);
  throw invalidToken(
    `the token's "${claim}" claim is neither a space-separated string nor an array of strings`,
  );
}
