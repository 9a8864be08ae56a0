/** Writing OAuth responses: JSON, never cached (RFC 6749 §5.1), errors per §5.2. */
import type { Response } from "express";
import { OAuthError, RateLimitedError } from "./errors.ts";

export function noStore(res: Response): void {
  res.set("Cache-Control", "no-store");
  res.set("Pragma", "no-cache");
}

export function sendOAuthError(res: Response, error: OAuthError): void {
  noStore(res);
  if (error.authenticate) res.set("WWW-Authenticate", error.authenticate);
  if (error instanceof RateLimitedError) res.set("Retry-After", String(error.retryAfterSeconds));
  res.status(error.status).json(error.toJSON());
}

export const temporarilyUnavailable = () =>
  new OAuthError("invalid_request", "the token service is starting: its state is not loaded yet", 503);
