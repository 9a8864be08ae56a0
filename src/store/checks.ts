/**
 * The inputs a store refuses, whatever its backend: an unknown resource kind, a time the database could
 * not compare, a grant ceiling of the wrong shape. Every implementation runs the same checks before it
 * writes, so that both stores refuse the same calls with the same messages.
 */

import { RESOURCE_KINDS } from "../model/resources.ts";
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord } from "./sign-in.ts";

const KINDS: ReadonlySet<string> = new Set(RESOURCE_KINDS);

export function checkKind(kind: string): void {
  if (!KINDS.has(kind)) throw new Error(`unknown resource kind "${kind}"`);
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** Refuses a grant ceiling of the wrong shape: read back, it would grant what no sign-in granted. */
export function checkGranted(granted: GrantRecord["granted"]): void {
  const ok =
    typeof granted === "object" &&
    granted !== null &&
    isStringList(granted.openIdScopes) &&
    Array.isArray(granted.audiences) &&
    granted.audiences.every((a) => typeof a?.audience === "string" && isStringList(a.scopes));
  if (!ok) {
    throw new Error(
      "the grant's granted access must be {openIdScopes: string[], audiences: [{audience, scopes: string[]}]}",
    );
  }
}

/** Refuses a time SQLite's julianday() could not compare (it would make pruning silently wrong). */
export function checkTime(name: string, value: string): void {
  if (Number.isNaN(Date.parse(value))) throw new Error(`${name} must be an ISO 8601 time, not "${value}"`);
}

/**
 * A sign-in time: besides checkTime, it must be the ISO 8601 form that Date.parse and julianday() read
 * alike (date, `T`, time, and `Z` or an offset). Without a zone, Date.parse reads local time and
 * julianday() UTC; a form julianday() cannot read would make a code or token never expire.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function checkSignInTime(name: string, value: string): void {
  if (typeof value !== "string" || !ISO_TIME.test(value)) {
    throw new Error(`${name} must be an ISO 8601 time, not "${value}"`);
  }
  checkTime(name, value);
}

/** What createGrant refuses, in both stores, before it writes: times, the code's grant, the ceiling. */
export function checkNewGrant(grant: GrantRecord, code: AuthorizationCodeRecord): void {
  checkSignInTime("the grant's createdAt", grant.createdAt);
  checkSignInTime("the code's expiresAt", code.expiresAt);
  if (grant.revokedAt !== undefined) checkSignInTime("the grant's revokedAt", grant.revokedAt);
  if (code.grantId !== grant.id) {
    throw new Error(`the code belongs to grant "${code.grantId}", not to the new grant "${grant.id}"`);
  }
  if (!Number.isSafeInteger(grant.authTime)) throw new Error("the grant's authTime must be whole seconds");
  checkGranted(grant.granted);
}

/** What rotateRefreshToken refuses, in both stores, before it reads or writes: its times. */
export function checkRotation(next: Omit<RefreshTokenRecord, "grantId">, now: string): void {
  checkSignInTime("now", now);
  checkSignInTime("the next refresh token's createdAt", next.createdAt);
  checkSignInTime("the next refresh token's expiresAt", next.expiresAt);
}
