/**
 * What a failed command exits with, and what it may add to its message, by error code: the one table
 * the CLI reads (reportFailure and printJsonError). Exit codes are part of the CLI's interface, so
 * they live here, not with the errors (core/errors.ts).
 *
 * Exit codes: 0 success; 1 any failure (every code below, an uncoded error, a usage error); 2 only
 * from `plan --detailed-exitcode` and `openapi upload --dry-run`, meaning "there are changes", not a
 * failure (EXIT_CHANGES). A code moves to an exit code of its own only when a script needs to tell it
 * apart, and the CHANGELOG says so.
 *
 * A hint is for a failure whose message cannot say what to do next; most messages already end with
 * it ("...; make a new plan"), and those codes have none.
 */
import { type ErrorCode, ScopectlError } from "../core/errors.ts";

export const EXIT_FAILURE = 1;
/** Not a failure: the plan, or the dry run of an upload, has changes. */
export const EXIT_CHANGES = 2;

export interface FailureOutcome {
  exitCode: number;
  hint?: string;
}

const FAILURE: FailureOutcome = { exitCode: EXIT_FAILURE };

export const ERROR_OUTCOMES: Readonly<Record<ErrorCode, FailureOutcome>> = {
  "input.invalid": FAILURE,
  "input.unknown-kind": FAILURE,
  "option.invalid": FAILURE,
  "password.rejected": FAILURE,
  "store.missing": FAILURE,
  "store.unreadable": FAILURE,
  "store.locked": FAILURE,
  "store.unavailable": FAILURE,
  "store.location-invalid": FAILURE,
  "store.not-empty": FAILURE,
  "store.stale-revision": FAILURE,
  "store.version": FAILURE,
  "store.not-found": FAILURE,
  "store.exists": FAILURE,
  "plan.conflict": FAILURE,
  "plan.file-invalid": FAILURE,
  "apply.unconfirmed": FAILURE,
  "apply.uncommitted": FAILURE,
  "ownership.refused": FAILURE,
  "git.credentials": FAILURE,
  "git.remote": {
    exitCode: EXIT_FAILURE,
    hint: "check the repository URL and branch, and that git reaches it without a prompt (an SSH key, or a token in SCOPECTL_SYNC_REPO)",
  },
  "git.mirror": FAILURE,
  "git.tools": FAILURE,
  "git.allowed-signers": FAILURE,
  "git.signature": FAILURE,
  "sync.commit-refused": FAILURE,
  "sync.secrets-unavailable": FAILURE,
  "sync.stopped": FAILURE,
  "sync.not-started": FAILURE,
  "sync.led-elsewhere": FAILURE,
  "secrets-file.refused": FAILURE,
  "master-key.missing": FAILURE,
  "master-key.invalid": FAILURE,
  "signing-key.invalid": FAILURE,
  "signing-key.unsettled": {
    exitCode: EXIT_FAILURE,
    hint: "another process was adding signing keys at the same time; run the command again",
  },
  "remote.unreachable": FAILURE,
  "remote.unexpected": FAILURE,
  "remote.unauthorized": FAILURE,
  // The token service's codes are HTTP answers; a command meets them as a server's refusal (openapi
  // upload) or through a bug, as a failure.
  "resource.no-token": FAILURE,
  "resource.invalid-token": FAILURE,
  "resource.insufficient-scope": FAILURE,
  "resource.invalid-request": FAILURE,
  "resource.no-operation": FAILURE,
  "resource.method-not-allowed": FAILURE,
  "resource.unavailable": FAILURE,
  "webhook.refused": FAILURE,
  "login.form": FAILURE,
  "authorize.untrusted": FAILURE,
  "management.insufficient-scope": FAILURE,
  "management.conflict": FAILURE,
  "management.not-found": FAILURE,
  "management.invalid-request": FAILURE,
  "oauth.invalid-request": FAILURE,
  "oauth.invalid-client": FAILURE,
  "oauth.rate-limited": FAILURE,
  "oauth.invalid-grant": FAILURE,
  "oauth.unauthorized-client": FAILURE,
  "oauth.unsupported-grant-type": FAILURE,
  "oauth.invalid-scope": FAILURE,
  "oauth.invalid-target": FAILURE,
  "oauth.slow-down": FAILURE,
  "oauth.unsupported-response-type": FAILURE,
  "oauth.access-denied": FAILURE,
  "oauth.login-required": FAILURE,
  "oauth.request-not-supported": FAILURE,
  "oauth.request-uri-not-supported": FAILURE,
};

/** The outcome of a failure: by its code for a ScopectlError, else exit code 1 without a hint. */
export function failureOutcome(error: unknown): FailureOutcome {
  return error instanceof ScopectlError ? ERROR_OUTCOMES[error.code] : FAILURE;
}
