/**
 * Authorization codes and refresh tokens: 256 random bits each, opaque to clients, stored only as their
 * SHA-256 (sign-in tables of the store). Refresh tokens carry a prefix that secret scanners can match,
 * like client secrets (`scs_`) and API keys (`sck_`).
 */
import { randomBytes } from "node:crypto";

export const REFRESH_TOKEN_PREFIX = "scr_";

export const newAuthorizationCode = (): string => randomBytes(32).toString("base64url");
export const newRefreshToken = (): string =>
  `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
/** A grant's id: public (access tokens carry it as `sid`), so only unique, not secret. */
export const newGrantId = (): string => randomBytes(16).toString("base64url");
