/**
 * Whether a plan can be applied, and why not, in words. The saved plan file records it (so that a
 * reviewer or a CI job sees it without running scopectl), and the engine refuses a plan with the same
 * sentence, so a refusal reads the same from `apply DIR` and from `apply PLANFILE`.
 */
import type { Plan } from "./types.ts";

/** Why a plan cannot be applied. Today one reason: declared rows that another manager holds. */
export const BLOCKER_REASONS = ["conflicts"] as const;
export type BlockerReason = (typeof BLOCKER_REASONS)[number];

export interface PlanBlocker {
  reason: BlockerReason;
  message: string;
}

/** "the plan has 2 conflicts and cannot be applied: <the first one's message>". */
export function conflictsSentence(plan: Pick<Plan, "conflicts">): string {
  const count = plan.conflicts.length;
  const first = plan.conflicts[0];
  return `the plan has ${count} conflict${count === 1 ? "" : "s"} and cannot be applied${first ? `: ${first.message}` : ""}`;
}

/** What stops the plan from being applied; empty when it can be. */
export function blockersOf(plan: Pick<Plan, "conflicts">): PlanBlocker[] {
  return plan.conflicts.length > 0 ? [{ reason: "conflicts", message: conflictsSentence(plan) }] : [];
}
