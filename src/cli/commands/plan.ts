/** `scopectl plan [DIR]`: what an apply of the folder would change in the store, and who it affects. */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import { addStoreOption, RECOMPUTE_HELP, type StoreOption, TAKE_OVER_HELP } from "../options.ts";

export interface PlanOptions extends StoreOption {
  json?: boolean;
  markdown?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  takeOver?: boolean;
  recompute?: boolean;
}

export function registerPlanCommand(program: Command): void {
  addStoreOption(
    program
      .command("plan")
      .description("show what applying the manifests of a folder would change in the store")
      .argument("[dir]", "folder of manifests", "config")
      .option("--json", 'print the plan as JSON; errors too, as {"error": ..., "diagnostics": [...]}')
      .option("--markdown", "print the plan as Markdown, for a pull-request comment")
      .option("--out <file>", "also save the plan, for `scopectl apply FILE`")
      .option("--detailed-exitcode", "exit 0 when there are no changes, 2 when there are, 1 on error")
      .option("--take-over", TAKE_OVER_HELP)
      .option("--recompute", RECOMPUTE_HELP),
  ).action((dir: string, options: PlanOptions) =>
    withJsonErrors(options.json, async () => (await import("../actions/plan.ts")).plan(dir, options)),
  );
}
