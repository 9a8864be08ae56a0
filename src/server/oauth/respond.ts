/** Writing OAuth responses: JSON, never cached (RFC 6749 §5.1), errors per §5.2. */
import { type OAuthResponse, sendJson } from "../http/types.ts";
import { BASIC_CHALLENGE } from "./client-auth.ts";
import { OAuthError, RateLimitedError, TemporarilyUnavailableError } from "./errors.ts";

export function noStore(res: OAuthResponse): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Pragma", "no-cache");
}

export function sendOAuthError(res: OAuthResponse, error: OAuthError): void {
  noStore(res);
  // A 401 must carry a challenge (RFC 9110 §15.5.2): the one scheme these endpoints take is Basic.
  const challenge = error.authenticate ?? (error.status === 401 ? BASIC_CHALLENGE : undefined);
  if (challenge) res.setHeader("WWW-Authenticate", challenge);
  if (error instanceof RateLimitedError || error instanceof TemporarilyUnavailableError) {
    res.setHeader("Retry-After", String(error.retryAfterSeconds));
  }
  sendJson(res, error.status, error.toJSON());
}

export const temporarilyUnavailable = () =>
  new OAuthError("invalid_request", "the token service is starting: its state is not loaded yet", 503);
