/**
 * Calls to the management API (`/v1`, docs/management-api.md) with the signed-in user's bearer token.
 * The console has no access of its own: what a page shows is what /v1 answers for this token.
 */
import { clearSession, readSession } from "./session.ts";

/** A refusal or failure of a /v1 call, with the server's OAuth-style error and description. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The window event a 401 from /v1 raises. */
export const SIGNED_OUT = "scopectl:signed-out";

export interface CallOptions {
  method?: "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
  body?: BodyInit;
  contentType?: string;
}

export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const session = readSession();
  if (!session) throw new ApiError(401, "signed_out", "You are signed out.");
  const res = await fetch(path, {
    method: options.method ?? "GET",
    headers: {
      accept: "application/json",
      authorization: `Bearer ${session.accessToken}`,
      ...(options.contentType ? { "content-type": options.contentType } : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { error_description: text.slice(0, 200) };
  }
  if (res.status === 401) {
    // The token expired or was revoked: the app shows the sign-in page (app.tsx listens).
    clearSession();
    window.dispatchEvent(new Event(SIGNED_OUT));
  }
  if (!res.ok) {
    const code = typeof body.error === "string" ? body.error : `http_${res.status}`;
    const description = typeof body.error_description === "string" ? body.error_description : res.statusText;
    throw new ApiError(res.status, code, description, body);
  }
  return body as T;
}

/** `path` with the query parameters that are set. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** A path segment: names may hold `:` and other characters a path must escape. */
export const segment = (name: string): string => encodeURIComponent(name);
