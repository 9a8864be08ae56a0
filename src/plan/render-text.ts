/**
 * The plan for a terminal, in the shape Terraform users already read: one block per change with its
 * symbol, the field diffs indented under it, then conflicts, rows left alone, and the summary line.
 * Deletes show no field list: what goes is the whole row, and its impact is what a reviewer needs.
 */
import pc from "picocolors";
import {
  ACTION_SYMBOL,
  changeTitle,
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
import type { Plan, PlanAction, PlanChange } from "./types.ts";

export interface TextOptions {
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

function paint(c: Colors, symbol: string): (text: string) => string {
  switch (symbol) {
    case "+":
      return c.green;
    case "-":
      return c.red;
    case "~":
      return c.yellow;
    default:
      return c.magenta;
  }
}

function header(plan: Plan): string {
  const parts = [`store revision ${plan.revision}`];
  if (plan.commit) {
    const dirty = plan.commit.dirty ? ", uncommitted changes" : "";
    parts.push(
      `commit ${plan.commit.sha.slice(0, 12)} "${plan.commit.subject}" by ${plan.commit.author}${dirty}`,
    );
  }
  parts.push(`managed by ${plan.managedBy}`);
  return `Plan against ${parts.join(", ")}`;
}

/** Appends the lines of one change to `lines` (a block may be 200,000 import lines long). */
function changeBlock(c: Colors, change: PlanChange, lines: string[]): void {
  const symbol = ACTION_SYMBOL[change.action];
  lines.push(`  ${paint(c, symbol)(`${symbol} ${change.action}`)} ${c.bold(changeTitle(change))}`);
  const indent = "      ";
  if (change.action !== "delete") {
    for (const diff of change.diff) {
      const s = diffSymbol(diff);
      lines.push(`${indent}${paint(c, s)(s)} ${diffText(diff)}`);
    }
  }
  if (change.impact) {
    lines.push(`${indent}${c.yellow(impactScopesText(change.impact))}`);
    lines.push(`${indent}${c.yellow(holdersText(change.impact))}`);
  }
  if (change.importLog) {
    lines.push(`${indent}${importTitle(change)}: ${importCounts(change.importLog)}`);
    const rows = change.importLog.map(importItemParts);
    // A loop, not Math.max(...lengths): a spread passes each of 200,000 rows as an argument.
    const widths = [0, 0];
    for (const [action, scope] of rows) {
      widths[0] = Math.max(widths[0] ?? 0, action.length);
      widths[1] = Math.max(widths[1] ?? 0, scope.length);
    }
    for (const [action, scope, detail] of rows) {
      const cell = `${action.padEnd(widths[0] ?? 0)}  ${scope.padEnd(widths[1] ?? 0)}`;
      lines.push(
        `${indent}  ${paint(c, action === "created" ? "+" : action === "removed" ? "-" : "~")(cell)}  ${c.dim(detail)}`,
      );
    }
  }
}

export function renderText(plan: Plan, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const lines = [c.dim(header(plan)), ""];
  const order: PlanAction[] = ["create", "update", "replace", "delete"];
  if (plan.changes.length > 0) {
    lines.push(
      `Symbols: ${order.map((a) => `${paint(c, ACTION_SYMBOL[a])(ACTION_SYMBOL[a])} ${a}`).join(", ")}`,
      "",
    );
  }
  for (const change of plan.changes) {
    changeBlock(c, change, lines);
    lines.push("");
  }

  if (plan.conflicts.length > 0) {
    const n = plan.conflicts.length;
    lines.push(c.red(c.bold(`${n} conflict${n === 1 ? "" : "s"}: the plan cannot be applied`)));
    for (const conflict of plan.conflicts) lines.push(`  ${c.red("!")} ${conflict.message}`);
    lines.push("");
  }
  if (plan.leftAlone.length > 0) {
    lines.push(c.dim("Left alone (managed by others, not in the manifests):"));
    for (const row of plan.leftAlone)
      lines.push(c.dim(`  ${row.kind} ${row.id} (managed by ${leftAloneWhy(row)})`));
    lines.push("");
  }
  lines.push(c.bold(summaryLine(plan)));
  return lines.join("\n");
}
