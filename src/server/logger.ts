/**
 * JSON logs (pino), one line per event, to stdout. Request logs carry a request id (the caller's
 * `X-Request-Id` when it is a short token, else a new UUID) and never a secret: only method, path
 * (without query), status, client id and timing are logged; the Authorization header and bodies are not
 * serialized at all, and `redact` guards the places a secret could reach by mistake.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger };

/** The service's logger; `destination` (default stdout) lets tests read the lines it writes. */
export function createLogger(
  level = process.env.SCOPECTL_LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: "scopectl" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "*.client_secret",
        "*.secret",
        "*.token",
        "*.access_token",
        "*.password",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}
