/**
 * OAuth 2.0 error responses (RFC 6749 §5.2): a JSON body with `error` and `error_description`, status
 * 400, or 401 with a Basic challenge for a client that sent no credentials or failed Basic authentication.
 */
import { type ErrorCode, ScopectlError } from "../../core/errors.ts";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "slow_down"
  // Authorization endpoint errors, sent back to the client's redirect URI (RFC 6749 §4.1.2.1, OpenID
  // Connect Core §3.1.2.6).
  | "unsupported_response_type"
  | "access_denied"
  | "login_required"
  | "request_not_supported"
  | "request_uri_not_supported";

/** The scopectl code of each OAuth error: `oauth.` and the RFC's name, in kebab case. */
const OAUTH_CODES = {
  invalid_request: "oauth.invalid-request",
  invalid_client: "oauth.invalid-client",
  invalid_grant: "oauth.invalid-grant",
  unauthorized_client: "oauth.unauthorized-client",
  unsupported_grant_type: "oauth.unsupported-grant-type",
  invalid_scope: "oauth.invalid-scope",
  invalid_target: "oauth.invalid-target",
  slow_down: "oauth.slow-down",
  unsupported_response_type: "oauth.unsupported-response-type",
  access_denied: "oauth.access-denied",
  login_required: "oauth.login-required",
  request_not_supported: "oauth.request-not-supported",
  request_uri_not_supported: "oauth.request-uri-not-supported",
} as const satisfies Record<OAuthErrorCode, ErrorCode>;

/**
 * `error` is the RFC 6749 error the answer carries (and the token metrics' reason); `code` is
 * scopectl's, as for every ScopectlError.
 */
export class OAuthError extends ScopectlError {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = error === "invalid_client" ? 401 : 400,
    /** Sent as `WWW-Authenticate` (RFC 6749 §5.2: required when the client authenticated with Basic). */
    readonly authenticate?: string,
    code: ErrorCode = OAUTH_CODES[error],
  ) {
    super(code, description);
    this.name = "OAuthError";
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new OAuthError("invalid_request", description);
export const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);

/** 429 with Retry-After: the client id failed to authenticate too often from this address. */
export class RateLimitedError extends OAuthError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      "invalid_client",
      `too many failed client authentications from this address; retry in ${retryAfterSeconds} s`,
      429,
      undefined,
      "oauth.rate-limited",
    );
  }
}
