/**
 * The plan as a pull-request comment (GitHub-flavoured Markdown): a heading with the summary, one table
 * row per change, import logs folded in `<details>` so a 300-operation spec does not bury the table.
 * Every piece of user text is escaped: a scope name may contain `|` (it is legal in a scope name),
 * which would otherwise split a table cell, and `<`/`>` would otherwise be read as HTML.
 */
import {
  ACTION_SYMBOL,
  diffSymbol,
  diffText,
  holdersText,
  impactScopesText,
  importCounts,
  importItemParts,
  importTitle,
  leftAloneWhy,
  summaryLine,
} from "./render-words.ts";
import type { Plan, PlanChange } from "./types.ts";

/** Escapes text for a table cell or a list item: Markdown punctuation, HTML, and line breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|#~]/g, (ch) => `\\${ch}`)
    .replace(/\r?\n/g, "<br>");
}

function cell(lines: readonly string[]): string {
  return lines.map(escapeMarkdown).join("<br>");
}

function changeRow(change: PlanChange): string {
  const action = `${ACTION_SYMBOL[change.action]} ${change.action}`;
  const changes: string[] = [];
  if (change.note) changes.push(change.note);
  if (change.action !== "delete")
    for (const diff of change.diff) changes.push(`${diffSymbol(diff)} ${diffText(diff)}`);
  if (change.importLog) changes.push(`${importTitle(change)}: ${importCounts(change.importLog)}`);
  const impact = change.impact ? [impactScopesText(change.impact), holdersText(change.impact)] : [];
  return `| ${cell([action])} | ${cell([change.kind])} | ${cell([change.id])} | ${cell(changes)} | ${cell(impact)} |`;
}

function importDetails(change: PlanChange): string[] {
  if (!change.importLog) return [];
  const summary = escapeMarkdown(
    `Import log of OpenApiSource ${change.id} (${importTitle(change)}): ${importCounts(change.importLog)}`,
  );
  const items = change.importLog.map((item) => {
    const [action, scope, detail] = importItemParts(item);
    return `- ${escapeMarkdown(action)} ${escapeMarkdown(scope)}: ${escapeMarkdown(detail)}`;
  });
  if (items.length === 0) items.push("- (no operations)");
  return ["<details>", `<summary>${summary}</summary>`, "", ...items, "", "</details>", ""];
}

export function renderMarkdown(plan: Plan): string {
  const lines = [`### scopectl · ${escapeMarkdown(summaryLine(plan))}`, ""];
  const about = [`store revision ${plan.revision}`];
  if (plan.commit) {
    about.push(`commit ${plan.commit.sha.slice(0, 12)}${plan.commit.dirty ? " (uncommitted changes)" : ""}`);
  }
  about.push(`managed by ${plan.managedBy}`);
  lines.push(escapeMarkdown(`Against ${about.join(", ")}.`), "");

  if (plan.conflicts.length > 0) {
    const n = plan.conflicts.length;
    lines.push(`**${n} conflict${n === 1 ? "" : "s"}: the plan cannot be applied.**`, "");
    for (const conflict of plan.conflicts) lines.push(`- ${escapeMarkdown(conflict.message)}`);
    lines.push("");
  }

  if (plan.changes.length > 0) {
    lines.push("| | Kind | Id | Changes | Impact |", "| --- | --- | --- | --- | --- |");
    for (const change of plan.changes) lines.push(changeRow(change));
    lines.push("");
    // One push per line, not push(...details): an import's details may be 200,000 lines.
    for (const change of plan.changes) for (const line of importDetails(change)) lines.push(line);
  }

  if (plan.leftAlone.length > 0) {
    const n = plan.leftAlone.length;
    lines.push(
      "<details>",
      `<summary>Left alone: ${n} row${n === 1 ? "" : "s"} managed by others, not in the manifests</summary>`,
      "",
    );
    for (const r of plan.leftAlone) {
      lines.push(`- ${escapeMarkdown(`${r.kind} ${r.id} (managed by ${leftAloneWhy(r)})`)}`);
    }
    lines.push("", "</details>", "");
  }
  return lines.join("\n").trimEnd();
}
