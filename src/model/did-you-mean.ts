/**
 * "Did you mean X?" for unknown names. Pure and deterministic: the same input and candidates always give
 * the same suggestion, so error messages are stable across runs and machines.
 */
import { distance } from "fastest-levenshtein";

/**
 * The candidate closest to `input` (case-insensitive edit distance), or undefined when none is close
 * enough to be a plausible typo. Close enough: at most a third of the longer name's length (at least 1),
 * and fewer edits than `input` has characters, so that "x" never suggests "y". Ties go to the candidate
 * that sorts first.
 */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  return bestDistance <= limit && bestDistance < input.length ? best : undefined;
}

/** `; did you mean "orders"?`, or "" when nothing is close: ready to append to a message. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const suggestion = closestName(input, candidates);
  return suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
}
