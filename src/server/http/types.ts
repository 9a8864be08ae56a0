/**
 * The request and response types the OAuth handlers use: Node's own, so that the same handlers run
 * behind Express (whose Request and Response extend them) and on the token endpoint's fast path, which
 * skips Express (see fast-path.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A request whose body, when form-encoded, has been read by formBody(). */
export type OAuthRequest = IncomingMessage & { body?: unknown };
export type OAuthResponse = ServerResponse;

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Writes a JSON response as Express's res.json would (same content type), without Express. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

/** The client id a handler authenticated, for the request's log line. */
const clientIds = new WeakMap<ServerResponse, string>();
export const setClientId = (res: ServerResponse, clientId: string): void => {
  clientIds.set(res, clientId);
};
export const clientIdOf = (res: ServerResponse): string | undefined => clientIds.get(res);
