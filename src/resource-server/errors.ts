/**
 * Why a protected API refuses a request, as one error class with a code (the codes are core's closed
 * list, `resource.*`). Each refusal knows its HTTP status and its RFC 6750 §3 error code, so that every
 * adapter (Express, a plain node:http handler) answers it the same way (`refusalResponse`).
 */
import { type ErrorCode, ScopectlError } from "../core/errors.ts";

/** The RFC 6750 §3.1 error codes, and `not_found` / `temporarily_unavailable` for the answers it has none for. */
export type BearerErrorCode =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "not_found"
  | "method_not_allowed"
  | "temporarily_unavailable";

type RefusalCode = Extract<ErrorCode, `resource.${string}`>;

const ANSWERS: Record<RefusalCode, { status: number; error?: BearerErrorCode }> = {
  // RFC 6750 §3.1: a request without credentials gets the challenge and no error code.
  "resource.no-token": { status: 401 },
  "resource.invalid-token": { status: 401, error: "invalid_token" },
  "resource.insufficient-scope": { status: 403, error: "insufficient_scope" },
  "resource.invalid-request": { status: 400, error: "invalid_request" },
  "resource.no-operation": { status: 404, error: "not_found" },
  "resource.method-not-allowed": { status: 405, error: "method_not_allowed" },
  "resource.unavailable": { status: 503, error: "temporarily_unavailable" },
};

export class AccessRefused extends ScopectlError {
  override readonly code: RefusalCode;
  readonly status: number;
  readonly error: BearerErrorCode | undefined;
  /** For insufficient_scope: every scope the route needs (RFC 6750 §3's `scope` attribute). */
  readonly requiredScopes: readonly string[];
  /** For method-not-allowed: the methods the path takes (the Allow header). */
  readonly allowedMethods: readonly string[];

  constructor(
    code: RefusalCode,
    message: string,
    options?: ErrorOptions & { requiredScopes?: string[]; allowedMethods?: string[] },
  ) {
    super(code, message, options);
    this.name = "AccessRefused";
    this.code = code;
    this.status = ANSWERS[code].status;
    this.error = ANSWERS[code].error;
    this.requiredScopes = Object.freeze([...(options?.requiredScopes ?? [])]);
    this.allowedMethods = Object.freeze([...(options?.allowedMethods ?? [])]);
  }
}

export const noToken = (message: string) => new AccessRefused("resource.no-token", message);
export const invalidToken = (message: string, cause?: unknown) =>
  new AccessRefused("resource.invalid-token", message, { cause });
export const invalidRequest = (message: string) => new AccessRefused("resource.invalid-request", message);
export const noOperation = (message: string) => new AccessRefused("resource.no-operation", message);
export const unavailable = (message: string, cause?: unknown) =>
  new AccessRefused("resource.unavailable", message, { cause });
export const insufficientScope = (requiredScopes: string[], message: string) =>
  new AccessRefused("resource.insufficient-scope", message, { requiredScopes });
export const methodNotAllowed = (allowedMethods: string[], message: string) =>
  new AccessRefused("resource.method-not-allowed", message, { allowedMethods });
