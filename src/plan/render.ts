/**
 * Renderers of a plan: text for a terminal, JSON for tools, Markdown for a pull-request comment. None
 * of them reads a change's `before`/`after` props (they may hold a secret's hash): they render the
 * masked field diffs, the impact, the import logs and the notes only.
 */
import type { Plan, PlanChange } from "./types.ts";

export { escapeMarkdown, renderMarkdown } from "./render-markdown.ts";
export { renderText, type TextOptions } from "./render-text.ts";

/** One change as `plan --json` prints it: a stable set of keys (`impact` null when there is none). */
function jsonChange(change: PlanChange): Record<string, unknown> {
  return {
    action: change.action,
    kind: change.kind,
    id: change.id,
    ...(change.replacesId !== undefined ? { replacesId: change.replacesId } : {}),
    ...(change.note !== undefined ? { note: change.note } : {}),
    diff: change.diff,
    impact: change.impact ?? null,
    ...(change.importLog !== undefined ? { importLog: change.importLog } : {}),
  };
}

/**
 * `scopectl plan --json`: revision, commit (null when the folder is not in git) and the changes, plus
 * the plan's other fields. Not the saved plan file (`--out`): that one carries the props an apply
 * writes, which this output leaves out so that no hash of a secret is ever printed.
 */
export function renderJson(plan: Plan): string {
  const out = {
    formatVersion: plan.formatVersion,
    revision: plan.revision,
    commit: plan.commit ?? null,
    createdAt: plan.createdAt,
    managedBy: plan.managedBy,
    summary: plan.summary,
    changes: plan.changes.map(jsonChange),
    conflicts: plan.conflicts,
    leftAlone: plan.leftAlone,
  };
  return JSON.stringify(out, null, 2);
}
