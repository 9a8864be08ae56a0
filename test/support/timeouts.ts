/**
 * Timeouts of the suite. A `describe`'s timeout is a budget for all of its tests together, so it is a
 * hang guard only: it must hold on a machine with both cores busy (issue 12's load runs showed a
 * two-minute budget for nine git-and-process tests running out). A hung test is caught sooner by the
 * per-test default of the test command (`--test-timeout`, package.json), and each test that waits on
 * something bounds that wait itself (test/support/wait.ts).
 */
export const SUITE_TIMEOUT_MS = 600_000;

/**
 * The bound of a test that feeds an alias bomb (9^9 nodes once expanded) to a loader. It is a hang
 * guard, not a speed check: a refused bomb takes milliseconds, an expanded one exhausts the heap or runs
 * for many minutes, so no machine, however loaded, lands between the two.
 */
export const BOMB_TIMEOUT_MS = 60_000;
