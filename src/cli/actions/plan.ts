/**
 * The work of `scopectl plan [DIR]`: what an apply of the folder would change in the store, and who it
 * affects. Declared in ../commands/plan.ts, which loads this module only when the command runs.
 */
import { planFolder } from "../../engine/plan-folder.ts";
import { writePlanFile } from "../../plan/plan-file.ts";
import { renderJson, renderMarkdown, renderText } from "../../plan/render.ts";
import type { PlanOptions } from "../commands/plan.ts";
import { note, out, useColorOnStdout, warn } from "../output.ts";
import { FROM_RECORD_NOTE, withStore } from "../reconcile.ts";

export async function plan(dir: string, options: PlanOptions): Promise<void> {
  if (options.json && options.markdown) throw new Error("choose one of --json and --markdown");
  const { plan, commit, fromRecord } = await withStore(options, (store) =>
    planFolder(store, dir, { takeOver: options.takeOver ?? false, record: !options.recompute }),
  );
  if (fromRecord) note(FROM_RECORD_NOTE);
  if (!commit) warn(`${dir} is not in a git repository: the plan records no commit`);
  else if (commit.dirty)
    warn(
      `${dir} has uncommitted changes: the plan is of the working tree, not of ${commit.sha.slice(0, 12)}`,
    );
  // Saved even when it has conflicts: the file says it cannot be applied, and why (plan/plan-file.ts).
  if (options.out) await writePlanFile(options.out, plan);
  if (options.json) out(renderJson(plan));
  else if (options.markdown) out(renderMarkdown(plan));
  else out(renderText(plan, { color: useColorOnStdout }));
  if (options.out) note(`Saved the plan to ${options.out}; apply it with: scopectl apply ${options.out}`);
  if (plan.conflicts.length > 0) process.exitCode = 1;
  else if (options.detailedExitcode && plan.changes.length > 0) process.exitCode = 2;
}
