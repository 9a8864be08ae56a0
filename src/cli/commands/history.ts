/** `scopectl history`: the store's revisions with their commits, and the OpenAPI import history with logs. */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import { addStoreOption, type StoreOption } from "../options.ts";

export interface HistoryOptions extends StoreOption {
  json?: boolean;
  import?: string;
  limit: string;
}

export function registerHistoryCommand(program: Command): void {
  addStoreOption(
    program
      .command("history")
      .description("the store's revisions and commits, and the OpenAPI import history")
      .option("--import <id>", "show the full log of one import (the #id in the listing)")
      .option("--limit <n>", "how many revisions to show", "20")
      .option("--json", "print as JSON"),
  ).action((options: HistoryOptions) =>
    withJsonErrors(options.json, async () => (await import("../actions/history.ts")).printHistory(options)),
  );
}
