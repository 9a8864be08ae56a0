/**
 * Two processes applying against the same revision of one store at once, on every backend
 * (test/support/stores.ts): the revision check is done under the write lock, so one wins and the other
 * is refused, with nothing of its own written.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore } from "../../src/store/open.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { exited, outputOf, spawnFixture } from "./helpers.ts";

interface Outcome {
  label: string;
  ok: boolean;
  revision?: number;
  error?: string;
  message?: string;
  expected?: number;
  actual?: number;
  startedAt: number;
  lockedAt?: number;
  endedAt: number;
}

forEachStore((backend) => {
  describe(`${backend.name} store: concurrent applies`, { timeout: SUITE_TIMEOUT_MS }, () => {
    test("two processes applying against the same revision at once: one wins, the other gets StaleRevisionError", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      const location = await backend.newLocation();
      // Create and migrate the store first, so that both children start from revision 0 of the same store.
      await (await openStore(location)).close();

      const rows = 500;
      const children = ["left", "right"].map((label) => {
        const child = spawnFixture("apply-child.ts", [label, "0", String(rows), "300"], location);
        return { label, child, output: outputOf(child) };
      });
      try {
        await Promise.all(children.map((c) => c.output.waitFor((line) => line === "ready")));
        for (const c of children) c.child.stdin?.write("go\n");
        const outcomes = await Promise.all(
          children.map(
            async (c) => JSON.parse(await c.output.waitFor((line) => line.startsWith("{"))) as Outcome,
          ),
        );
        for (const c of children)
          assert.deepEqual(await exited(c.child), { code: 0, signal: null }, c.output.stderr());

        const winners = outcomes.filter((o) => o.ok);
        const losers = outcomes.filter((o) => !o.ok);
        assert.equal(winners.length, 1, JSON.stringify(outcomes));
        assert.equal(losers.length, 1, JSON.stringify(outcomes));
        const [winner] = winners;
        const [loser] = losers;
        assert.ok(winner && loser);
        assert.equal(winner.revision, 1);
        assert.equal(loser.error, "StaleRevisionError", loser.message);
        assert.equal(loser.expected, 0);
        assert.equal(loser.actual, 1);
        // They really overlapped: the loser asked while the winner held the lock.
        assert.ok(loser.startedAt < winner.endedAt, JSON.stringify(outcomes));

        const store = await openStore(location);
        try {
          assert.equal(await store.revision(), 1);
          const revisions = await store.revisions();
          assert.deepEqual(
            revisions.map((r) => [r.revision, r.actor]),
            [[1, winner.label]],
          );
          const users = await store.list("User");
          assert.equal(users.length, rows);
          assert.ok(users.every((u) => (u.props as unknown as { writer: string }).writer === winner.label));
          assert.equal((await store.audit()).length, rows);
        } finally {
          await store.close();
        }
      } finally {
        for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
      }
    });
  });
});
