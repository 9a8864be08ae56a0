/**
 * Logs (pino), one event per line, to stdout: JSON for machines (a pipe, a file, a log collector), or
 * human-readable on a terminal (pino-pretty), chosen by `--log-format`, $SCOPECTL_LOG_FORMAT or whether
 * stdout is a TTY. Request logs carry a request id (the caller's
 * `X-Request-Id` when it is a short token, else a new UUID) and never a secret: only method, path
 * (without query), status, client id and timing are logged; the Authorization header and bodies are not
 * serialized at all, and `redact` guards the places a secret could reach by mistake.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { prettyFactory } from "pino-pretty";
import { chooseLogFormat, logOutput } from "./log-output.ts";

export { chooseLogFormat, LOG_FORMATS, type LogFormat, setLogOutput } from "./log-output.ts";
export type { Logger };

/**
 * A destination that turns each JSON line into one human-readable line (time, level, message, then
 * the fields) and writes it synchronously to `to`: through process.stdout, in order with what the CLI
 * prints, with no worker thread (pino-pretty as a transport would start one).
 */
export function prettyDestination(
  colorize: boolean,
  to: { write(text: string): unknown } = process.stdout,
): DestinationStream {
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
  });
  return { write: (line: string) => to.write(prettify(line)) };
}

/**
 * The service's logger. `destination` (tests) gets JSON lines. Without one, in the CLI (after
 * setLogOutput), lines go through process.stdout in the chosen format: in order with what the CLI
 * prints, and a closed stdout is handled in one place (cli/output.ts). Elsewhere (the library), JSON
 * goes to pino's own stdout destination, unless $SCOPECTL_LOG_FORMAT or a terminal asks for pretty.
 */
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
  if (destination) return pino(options, destination);
  const output = logOutput();
  if (output) {
    return pino(options, output.format === "pretty" ? prettyDestination(output.colorize) : process.stdout);
  }
  const format = chooseLogFormat(undefined, process.env, Boolean(process.stdout.isTTY));
  return format === "pretty" ? pino(options, prettyDestination(false)) : pino(options);
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}
