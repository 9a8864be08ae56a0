/**
 * One base error for everything scopectl refuses or cannot do, in the manner of jose's JOSEError: a
 * stable `code` says what went wrong, so that a caller (the CLI's exit codes, an HTTP answer, a sync
 * status) branches on the code, never on the wording of the message, which may improve over time.
 *
 * The codes are a closed set: ERROR_CODES below lists and documents each one, and `ErrorCode` is its
 * keys, so a mistyped code fails to compile. A code, once released, keeps its meaning; a new failure
 * gets a new code. Errors that only a bug could cause ("cannot happen") stay plain `Error`s: they have
 * no code because no user can act on them.
 */

/** Every code and what it means, in the words of docs/architecture.md ("Errors"). */
export const ERROR_CODES = {
  // What the user gave scopectl.
  "input.invalid": "manifests or OpenAPI specs are invalid; the error lists every problem (diagnostics)",
  "input.unknown-kind": "a kind name that is not one of the manifest kinds",
  "option.invalid": "a command-line option or an environment variable has a value scopectl cannot use",
  "password.rejected": "a new password is refused: too short, too long, a control character, or mistyped",

  // The store.
  "store.missing": "there is no store file where the command needs one that was applied before",
  "store.unreadable":
    "the store cannot be opened: not SQLite or not a scopectl store, no WAL mode, a refused database login, no such database",
  "store.locked": "another writer held the store's write lock too long; nothing was written, retry",
  "store.unavailable": "the store's database cannot be reached (PostgreSQL down or unreachable); retry later",
  "store.not-empty": "store copy writes only into an empty store, and the target holds rows",
  "store.location-invalid":
    "a --store / SCOPECTL_STORE value is neither a file path nor a postgres:// URL scopectl can use",
  "store.stale-revision": "the store moved since the plan was made; make a new plan",
  "store.version": "the store was written by a newer scopectl; upgrade to open it",
  "store.not-found": "the store has no such User, Application, Api, Scope, import or user",
  "store.exists": "a resource to create is already in the store",

  // Plans and applies.
  "plan.conflict": "the plan has conflicts (a row held by another manager, a rule broken); nothing applied",
  "plan.file-invalid": "a saved plan file is not one scopectl wrote, or it was changed or cut short",
  "apply.unconfirmed": "an apply that needs a confirmation got none (no terminal and no --yes)",
  "apply.uncommitted": "the manifests have uncommitted changes and --allow-dirty was not given",
  "ownership.refused": "a Pulumi stack would change a store row that another manager holds",

  // Git and the sync loop.
  "git.credentials": "the credentials in a repository URL cannot be split off safely, or git cannot use them",
  "git.remote": "cloning or fetching the repository failed",
  "git.mirror": "the sync loop's clone folder holds a clone of another repository",
  "git.tools": "git or ssh-keygen is missing, too old, or could not run",
  "git.allowed-signers": "the allowed signers file is missing, unreadable, empty or malformed",
  "git.signature": "a commit's signature could not be checked (not: the signature is bad)",
  "sync.commit-refused": "a commit was refused before its manifests were read (unsigned, not allowed)",
  "sync.secrets-unavailable": "the destination for generated secrets cannot be opened; the commit is retried",
  "sync.stopped": "the sync loop was stopped before an owed pass could run",
  "sync.not-started": "no sync has run against this store yet, so it has no sync status",
  "sync.led-elsewhere":
    "another sync loop leads this store's sync (it fetches and applies); `sync --once` did nothing",

  // Secrets and signing keys.
  "secrets-file.refused": "the --secrets-file is not safe to write (a link, too open, not a regular file)",
  "master-key.missing": "signing keys are encrypted at rest and SCOPECTL_MASTER_KEY is not set",
  "master-key.invalid": "SCOPECTL_MASTER_KEY does not open a stored signing key, or its envelope is unknown",
  "signing-key.invalid": "a stored signing key is malformed: unknown algorithm, wrong shape, wrong kid",
  "signing-key.unsettled": "the signing keys kept changing while one was chosen; retry",

  // The management API's writes (docs/management-api.md).
  "management.insufficient-scope": "the token lacks management permissions the call needs (HTTP 403)",
  "management.conflict":
    "a management write would change a row git or Pulumi manages, a generated scope one by one, or a scope still held; nothing written (HTTP 409)",
  "management.not-found": "no such Api, scope, upload-fed OpenApiSource or active import (HTTP 404)",
  "management.invalid-request": "a management request's body or parameters are unusable (HTTP 400)",

  // The CLI calling a scopectl server (openapi upload's --server).
  "remote.unreachable":
    "the server cannot be reached, did not answer in time, or answered that it is unavailable (HTTP 502-504); retry",
  "remote.unexpected":
    "the server answered what a scopectl server does not (no discovery document, a redirect, not JSON, another shape)",
  "remote.unauthorized":
    "the server refused the access token (HTTP 401): not for its management audience, or the client's access changed",

  // The resource-server library (scopectl/resource-server, scopectl/express; docs/resource-server.md).
  "resource.no-token":
    "a request to a protected API carries no access token or API key (HTTP 401, no error code)",
  "resource.invalid-token":
    "an access token or API key does not verify: signature, type, issuer, audience, expiry, revoked (HTTP 401)",
  "resource.insufficient-scope": "a valid token lacks the scope the route needs (HTTP 403)",
  "resource.invalid-request":
    "a request to a protected API is malformed: an undecodable path, two credentials, a token in the URL (HTTP 400)",
  "resource.no-operation": "no operation of the API's spec matches the request's method and path (HTTP 404)",
  "resource.method-not-allowed":
    "the spec has operations at the request's path, but none for its method (HTTP 405, with Allow)",
  "resource.unavailable":
    "the authorization server's keys or introspection cannot be reached, so no token can be checked (HTTP 503)",

  // The token service.
  "webhook.refused": "a git webhook delivery was refused (unsigned, forged, malformed, not JSON, no secret)",
  "login.form": "a login form post is refused: no or a bad CSRF token, expired, or not this browser's",
  "authorize.untrusted": "an authorization request cannot be answered at any redirect URI (shown on a page)",
  "oauth.invalid-request": "RFC 6749 invalid_request",
  "oauth.invalid-client": "RFC 6749 invalid_client: the client failed to authenticate",
  "oauth.rate-limited": "too many failed client authentications from one address (HTTP 429)",
  "oauth.invalid-grant": "RFC 6749 invalid_grant",
  "oauth.unauthorized-client": "RFC 6749 unauthorized_client",
  "oauth.unsupported-grant-type": "RFC 6749 unsupported_grant_type",
  "oauth.invalid-scope": "RFC 6749 invalid_scope",
  "oauth.invalid-target": "RFC 8707 invalid_target",
  "oauth.slow-down": "RFC 8628 slow_down",
  "oauth.unsupported-response-type": "RFC 6749 unsupported_response_type",
  "oauth.access-denied": "RFC 6749 access_denied",
  "oauth.login-required": "OpenID Connect login_required",
  "oauth.request-not-supported": "OpenID Connect request_not_supported",
  "oauth.request-uri-not-supported": "OpenID Connect request_uri_not_supported",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (value: string): value is ErrorCode => Object.hasOwn(ERROR_CODES, value);

/**
 * The base of every coded error. Throw it directly for a one-off refusal
 * (`new ScopectlError("option.invalid", "--port must be ...")`); a failure that carries fields of its
 * own (a file, a status, diagnostics) is a subclass that fixes its code, as a static property too, so
 * that `error.code === LoginFormError.code` reads without a string.
 */
export class ScopectlError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ScopectlError";
    this.code = code;
  }
}
