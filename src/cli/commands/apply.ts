/**
 * `scopectl apply [DIR | PLANFILE]`: apply the manifests of a folder, or a plan saved by
 * `scopectl plan --out`, to the store: all or nothing, and only if the store has not moved since the plan.
 */
import type { Command } from "commander";
import { addStoreOption, RECOMPUTE_HELP, type StoreOption, TAKE_OVER_HELP } from "../options.ts";

export interface ApplyOptions extends StoreOption {
  yes?: boolean;
  allowDirty?: boolean;
  secretsOut?: string;
  actor?: string;
  takeOver?: boolean;
  recompute?: boolean;
}

export function registerApplyCommand(program: Command): void {
  addStoreOption(
    program
      .command("apply")
      .description("apply a folder of manifests, or a saved plan, to the store (one transaction)")
      .argument("[target]", "folder of manifests, or a plan file saved by `scopectl plan --out`", "config")
      .option("-y, --yes", "apply without asking (required when there is no terminal)")
      .option("--allow-dirty", "apply even if the folder has uncommitted changes")
      .option(
        "--secrets-out <file>",
        "write generated client secrets and API keys to this new file (mode 0600; never a link, never overwritten) instead of printing them",
      )
      .option("--actor <name>", "who applies, for the audit rows", process.env.USER ?? "scopectl")
      .option("--take-over", TAKE_OVER_HELP)
      .option("--recompute", RECOMPUTE_HELP),
  ).action(async (target: string, options: ApplyOptions) =>
    (await import("../actions/apply.ts")).apply(target, options),
  );
}
