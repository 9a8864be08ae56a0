/** Limits of OAuth request bodies, and the OAuth errors that body reading failures become. */
import { invalidRequest, OAuthError } from "./errors.ts";

/** OAuth request bodies are a handful of short parameters; anything larger is refused (413). */
export const FORM_BODY_LIMIT_BYTES = 8 * 1024;
export const FORM_BODY_LIMIT = `${FORM_BODY_LIMIT_BYTES / 1024}kb`;
export const FORM_MAX_PARAMETERS = 32;

/** Body reading errors (too large, bad charset, malformed) as OAuth errors that name the limit. */
export function bodyError(error: { type?: string; status?: number }): OAuthError | undefined {
  switch (error.type) {
    case "entity.too.large":
      return new OAuthError("invalid_request", `the request body is larger than ${FORM_BODY_LIMIT}`, 413);
    case "parameters.too.many":
      return new OAuthError("invalid_request", "the request body has too many parameters", 413);
    case "charset.unsupported":
    case "encoding.unsupported":
      return new OAuthError(
        "invalid_request",
        "the request body must be UTF-8, without content encoding",
        415,
      );
    case "entity.parse.failed":
    case "request.aborted":
      return invalidRequest("the request body could not be read");
    default:
      return undefined;
  }
}
