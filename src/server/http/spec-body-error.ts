/** The answer to a spec upload body that is refused (spec-body.ts), and the sentences both readers share. */
import { MAX_SPEC_BYTES } from "../../openapi/index.ts";

export type SpecBodyStatus = 400 | 413 | 415;

const ERROR_OF_STATUS = {
  400: "invalid_request",
  413: "payload_too_large",
  415: "unsupported_media_type",
} as const satisfies Record<SpecBodyStatus, string>;

/**
 * A body the upload endpoint refuses: the HTTP status and an OAuth-style `{error, error_description}`
 * (toJSON). `expose` and `message` follow http-errors, so the app's error handler (request-errors.ts)
 * answers with the same status and description when a route lets the error through.
 */
export class SpecBodyError extends Error {
  readonly expose = true;
  readonly error: (typeof ERROR_OF_STATUS)[SpecBodyStatus];

  constructor(
    readonly status: SpecBodyStatus,
    readonly description: string,
  ) {
    super(description);
    this.name = "SpecBodyError";
    this.error = ERROR_OF_STATUS[status];
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const EMPTY_BODY = "the request body is empty; send the OpenAPI spec as the body";

const LIMIT_MB = MAX_SPEC_BYTES / (1024 * 1024);

/** 413 naming the limit (and the declared length, when the refusal comes from it). */
export function tooLarge(declared?: number): SpecBodyError {
  const length = declared === undefined ? "" : ` (Content-Length: ${declared})`;
  return new SpecBodyError(
    413,
    `the request body is larger than the ${LIMIT_MB} MB limit for a spec${length}`,
  );
}

/** 413 for a multipart file part over the limit. */
export function fileTooLarge(): SpecBodyError {
  return new SpecBodyError(413, `the file is larger than the ${LIMIT_MB} MB limit for a spec`);
}
