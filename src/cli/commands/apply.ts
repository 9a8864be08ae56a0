/**
 * `scopectl apply [DIR | PLANFILE]`: apply the manifests of a folder, or a plan saved by
 * `scopectl plan --out`, to the store: all or nothing, and only if the store has not moved since the plan.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { applyPlan, PlanConflictError } from "../../engine/apply.ts";
import type { CommitInfo } from "../../model/resources.ts";
import { RECONCILER } from "../../model/resources.ts";
import { renderText } from "../../plan/render.ts";
import type { Plan } from "../../plan/types.ts";
import type { OneTimeSecret } from "../../providers/types.ts";
import { colors, note, out, useColorOnStdout, warn } from "../output.ts";
import { addStoreOption, planFolder, type StoreOption, TAKE_OVER_HELP, withStore } from "../reconcile.ts";
import { SecretsFile } from "../secrets-file.ts";

interface ApplyOptions extends StoreOption {
  yes?: boolean;
  allowDirty?: boolean;
  secretsOut?: string;
  actor?: string;
  takeOver?: boolean;
}

async function isFile(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isFile();
  } catch {
    return false;
  }
}

async function readPlanFile(file: string): Promise<Plan> {
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(file, "utf8")) as Plan;
  } catch (error) {
    throw new Error(`${file} is not a saved plan: ${(error as Error).message}`);
  }
  if (plan?.formatVersion !== 1 || !Array.isArray(plan.changes)) {
    throw new Error(`${file} is not a saved plan (made by scopectl plan --out)`);
  }
  return plan;
}

function checkCommit(target: string, commit: CommitInfo | undefined, allowDirty: boolean): void {
  if (!commit) {
    warn(`${target} is not in a git repository: the apply records no commit`);
    return;
  }
  if (commit.dirty && !allowDirty) {
    throw new Error(
      `${target} has uncommitted changes; commit them (the store records the commit it came from) or pass --allow-dirty`,
    );
  }
  if (commit.dirty) warn(`applying uncommitted changes on top of ${commit.sha.slice(0, 12)}`);
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new Error("there is no terminal to ask for confirmation; pass --yes to apply without asking");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("Apply these changes? Only 'yes' will be accepted: ");
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

/** Prints the new secrets once, or writes them to the secrets file opened before the apply. */
async function deliverSecrets(secrets: OneTimeSecret[], file: SecretsFile | undefined): Promise<void> {
  if (file) {
    if (secrets.length === 0) return;
    await file.write(`${JSON.stringify(secrets, null, 2)}\n`);
    note(
      `Wrote ${secrets.length} new secret${secrets.length === 1 ? "" : "s"} to ${file.path} (mode 0600). They are not stored anywhere else.`,
    );
    return;
  }
  if (secrets.length === 0) return;
  out();
  out(colors.bold("New secrets, shown once (only their hashes are stored):"));
  for (const s of secrets) out(`  ${s.kind} ${s.id} ${s.field}: ${s.value}`);
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
      .option("--take-over", TAKE_OVER_HELP),
  ).action(async (target: string, options: ApplyOptions) => {
    await withStore(options, async (store) => {
      let plan: Plan;
      if (await isFile(target)) {
        plan = await readPlanFile(target);
        checkCommit(target, plan.commit, options.allowDirty ?? false);
      } else {
        ({ plan } = await planFolder(store, target, { takeOver: options.takeOver ?? false }));
        checkCommit(target, plan.commit, options.allowDirty ?? false);
      }
      out(renderText(plan, { color: useColorOnStdout }));
      if (plan.conflicts.length > 0) throw new PlanConflictError(plan);
      if (plan.changes.length === 0) return;
      // Before asking and before the transaction: a file that cannot take the secrets stops the apply
      // here, rather than after it, when the secrets would be lost. Removed again if none is written.
      const secretsFile = options.secretsOut
        ? await SecretsFile.open(path.resolve(options.secretsOut), "create")
        : undefined;
      try {
        if (!options.yes && !(await confirm())) {
          note("Apply cancelled; nothing was changed.");
          process.exitCode = 1;
          return;
        }
        const ctx = {
          actor: options.actor ?? "scopectl",
          managedBy: RECONCILER,
          ...(plan.commit ? { commit: plan.commit } : {}),
        };
        const result = await applyPlan(store, plan, ctx);
        out(
          colors.green(
            `Applied: the store is at revision ${result.revision}${plan.commit ? ` (commit ${plan.commit.sha.slice(0, 12)})` : ""}.`,
          ),
        );
        await deliverSecrets(result.secrets, secretsFile);
      } finally {
        await secretsFile?.close();
      }
    });
  });
}
