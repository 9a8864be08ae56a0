/**
 * One HTTP exchange with a scopectl server, for commands that call one (`openapi upload`): fetch with a
 * deadline (AbortSignal.timeout, so a CI job never hangs on a silent server), no redirects followed (a
 * redirect would carry a credential to where --server did not say), and every way of not getting an
 * answer turned into one sentence with a code: remote.unreachable (no connection, no answer in time)
 * or remote.unexpected (an answer that is not JSON where JSON was due).
 */
import { ScopectlError } from "../core/errors.ts";

export interface RemoteAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

export interface RemoteRequest {
  method: string;
  url: URL;
  /** How the request is named in messages, e.g. `the token request`. */
  what: string;
  headers?: Record<string, string>;
  body?: Uint8Array | URLSearchParams;
  timeoutMs: number;
  /** What to add when no answer came in time (a write may have happened). */
  afterTimeout?: string;
}

/** The cause of fetch's TypeError("fetch failed") as a few words: `connect ECONNREFUSED 127.0.0.1:9`. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message || cause.name;
  return error instanceof Error ? error.message : String(error);
}

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === "TimeoutError" || error.cause instanceof DOMException);

function unreachable(request: RemoteRequest, error: unknown): ScopectlError {
  const where = `${request.url.origin}${request.url.pathname}`;
  if (isTimeout(error)) {
    return new ScopectlError(
      "remote.unreachable",
      `${request.what} (${request.method} ${where}) got no answer within ${request.timeoutMs / 1000} s (--timeout)${request.afterTimeout ? `; ${request.afterTimeout}` : ""}`,
    );
  }
  return new ScopectlError(
    "remote.unreachable",
    `${request.what} (${request.method} ${where}) could not reach the server: ${causeOf(error)}`,
  );
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends `request` and reads the whole answer within the deadline. A redirect is refused. */
export async function exchange(request: RemoteRequest): Promise<RemoteAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(request.url, {
      method: request.method,
      headers: { accept: "application/json", ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: "manual",
      signal,
    });
    text = await res.text();
  } catch (error) {
    throw unreachable(request, error);
  }
  if (res.status >= 300 && res.status < 400) {
    throw new ScopectlError(
      "remote.unexpected",
      `${request.what} (${request.method} ${request.url.origin}${request.url.pathname}) was answered with a redirect (${res.status}); scopectl does not follow it: give --server the URL the service answers at`,
    );
  }
  return { status: res.status, headers: res.headers, json: parseJson(text) };
}

/** `value` as a plain object, or undefined. */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
