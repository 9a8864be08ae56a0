/**
 * OAuth 2.0 error responses (RFC 6749 §5.2): a JSON body with `error` and `error_description`, status
 * 400, or 401 with a Basic challenge for a client that sent no credentials or failed Basic authentication.
 */
import { type ErrorCode, ScopectlError } from "../../core/errors.ts";
import { isStoreBusy } from "../../store/store.ts";

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
  | "request_uri_not_supported"
  // RFC 6749 §4.1.2.1 too; also sent, with a 503, by the token and introspection endpoints, whose §5.2
  // list has no word for it (docs/tokens.md#the-token-endpoint).
  | "temporarily_unavailable";

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
  // The one reason this server answers it: the store cannot be reached.
  temporarily_unavailable: "store.unavailable",
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

/** Seconds a client is asked to wait (Retry-After) while the store cannot be reached. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * 503 with Retry-After: what this request needs (a code, a grant, a refresh token, a password) is in a
 * store that cannot be reached, or whose lock another writer held too long, right now (isStoreBusy).
 * Nothing was written; the same request may simply be sent again.
 */
export class TemporarilyUnavailableError extends OAuthError {
  readonly retryAfterSeconds = STORE_RETRY_AFTER_SECONDS;

  constructor(options?: ErrorOptions) {
    super(
      "temporarily_unavailable",
      `the service cannot use its store right now; retry in ${STORE_RETRY_AFTER_SECONDS} s`,
      503,
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * The OAuth answer to an error, or undefined when it is none (a bug: a 500). The one place that says
 * how a store outage is answered in JSON: the token and introspection routes and the app's error
 * handler (userinfo, `/v1`) all ask here.
 */
export function oauthErrorOf(error: unknown): OAuthError | undefined {
  if (error instanceof OAuthError) return error;
  if (isStoreBusy(error)) return new TemporarilyUnavailableError({ cause: error });
  return undefined;
}
