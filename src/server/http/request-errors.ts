/**
 * Errors that Express and its router raise for a malformed request, not for a fault of the server: a
 * path whose percent-escapes do not decode (the router's URIError, status 400), and any other
 * http-errors error with a 4xx status that is meant to be shown (`expose`). They get that status and a
 * JSON error that says what is wrong; they are not logged as failures (the request line says enough).
 */

export interface RequestError {
  status: number;
  description: string;
}

export function requestError(error: unknown): RequestError | undefined {
  if (error instanceof URIError) {
    return {
      status: 400,
      description:
        "the request path is not valid percent-encoding: each % must start an escape (%XX, two hex digits) of UTF-8",
    };
  }
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode, expose, message } = error as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  const code = typeof status === "number" ? status : statusCode;
  if (typeof code !== "number" || code < 400 || code > 499 || expose !== true) return undefined;
  return { status: code, description: typeof message === "string" ? message : "the request is malformed" };
}
