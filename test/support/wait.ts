/** Waiting on a condition in tests: polled, bounded in time, and failing loudly when never met. */
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Resolves with the first truthy value of `check`, polled every `everyMs`. The deadline is a hang
 * guard, not an assertion on speed: when it passes, the test fails with `what` and the last value seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  { deadlineMs = 30_000, everyMs = 100 }: { deadlineMs?: number; everyMs?: number } = {},
): Promise<NonNullable<T>> {
  const until = Date.now() + deadlineMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() >= until) {
      throw new Error(`gave up waiting after ${deadlineMs} ms for ${what} (last: ${JSON.stringify(last)})`);
    }
    await sleep(everyMs);
  }
}
