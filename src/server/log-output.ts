/**
 * Where and how the service's logs go, chosen before any logger exists: the format (`--log-format`,
 * $SCOPECTL_LOG_FORMAT or whether stdout is a TTY) and the CLI's choice of it. Apart from logger.ts so
 * that the CLI can declare and read its options without loading pino (docs/benchmarks.md#cli-start-up).
 */
import { ScopectlError } from "../core/errors.ts";

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const isLogFormat = (value: string): value is LogFormat => (LOG_FORMATS as readonly string[]).includes(value);

/**
 * The log format: the option when given, else $SCOPECTL_LOG_FORMAT when set, else pretty on a terminal
 * and JSON otherwise. A value that is neither format is refused, naming where it came from.
 */
export function chooseLogFormat(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
  stdoutIsTTY: boolean,
): LogFormat {
  for (const [value, where] of [
    [option, "--log-format"],
    [env.SCOPECTL_LOG_FORMAT || undefined, "SCOPECTL_LOG_FORMAT"],
  ] as const) {
    if (value === undefined) continue;
    if (isLogFormat(value)) return value;
    throw new ScopectlError(
      "option.invalid",
      `${where} must be one of ${LOG_FORMATS.join(", ")}, not "${value}"`,
    );
  }
  return stdoutIsTTY ? "pretty" : "json";
}

export interface LogOutput {
  format: LogFormat;
  colorize: boolean;
}

/** How loggers made without a destination write; the CLI sets it once, before a command runs. */
let output: LogOutput | undefined;

export function setLogOutput(format: LogFormat, colorize: boolean): void {
  output = { format, colorize };
}

/** What setLogOutput chose, if it was called (in the CLI); undefined elsewhere (the library). */
export function logOutput(): LogOutput | undefined {
  return output;
}
