/**
 * `scopectl up [DIR]`: the one-command start. Applies the manifests of DIR (config/ by default) to the
 * embedded store (uncommitted changes allowed, with a note), prints the client ids, one-time secrets and
 * API keys it created, serves tokens, and applies again whenever a manifest changes. A change that does
 * not validate or apply is reported and changes nothing; the service keeps serving the last good state.
 */
import type { Command } from "commander";
import { QUIET_MS } from "../manifest-watcher.ts";
import { addServeOptions, addStoreOption, type ServeOptions, type StoreOption } from "../options.ts";

export interface UpOptions extends ServeOptions, StoreOption {
  watch: boolean;
}

export function registerUpCommand(program: Command): void {
  addStoreOption(
    addServeOptions(
      program
        .command("up")
        .description(
          "apply a folder of manifests to the store, print the new credentials, serve tokens, and re-apply on every change",
        )
        .argument("[dir]", "folder of manifests", "config")
        .option("--no-watch", "apply once and serve, without following changes to the folder")
        .addHelpText(
          "after",
          `
While it runs, up follows every change below DIR: edits, saves that replace the file (vim, sed -i,
most editors), new, renamed and deleted files and folders, and the OpenAPI specs the manifests name.
Dot-files, dot-folders and node_modules are ignored, as the manifest loader skips them. A burst of
changes (a "save all", a git checkout) is applied once, after the folder has been quiet for ${QUIET_MS} ms;
a change made while an apply runs is applied right after it. Logs are human-readable on a terminal
and JSON lines otherwise (--log-format).`,
        ),
    ),
  ).action(async (dir: string, options: UpOptions) => (await import("../actions/up.ts")).up(dir, options));
}
