/**
 * `--log-format json|pretty` for the commands that log (serve, up, sync): one option, added and read
 * here for all of them, so the choice is made once, before the command opens anything.
 */
import type { Command } from "commander";
import { chooseLogFormat, LOG_FORMATS, setLogOutput } from "../server/log-output.ts";

/** The commands whose logs go to stdout. */
const LOGGING_COMMANDS = new Set(["serve", "up", "sync"]);

function addLogFormatOption(command: Command): void {
  command.addOption(
    command
      .createOption(
        "--log-format <format>",
        "log lines as json or pretty (default: $SCOPECTL_LOG_FORMAT, else pretty on a terminal, json otherwise)",
      )
      .choices(LOG_FORMATS),
  );
}

/** Adds the option to every logging command of `program`, and applies it before their actions run. */
export function addLogFormatOptions(program: Command): void {
  for (const command of program.commands) {
    if (LOGGING_COMMANDS.has(command.name())) addLogFormatOption(command);
  }
  program.hook("preAction", async (_program, action) => {
    if (!LOGGING_COMMANDS.has(action.name())) return;
    const given = action.opts<{ logFormat?: string }>().logFormat;
    const format = chooseLogFormat(given, process.env, Boolean(process.stdout.isTTY));
    // Loaded here: help and the other commands need none of output.ts (docs/benchmarks.md#cli-start-up).
    setLogOutput(format, (await import("./output.ts")).useColorOnStdout);
  });
}
