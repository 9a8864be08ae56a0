/**
 * When the sync loop runs a pass: its one timer and its triggers, with a fake clock (node:test's
 * mock.timers) and fake passes that end when the test says (a fetch that waits, then fails fast). Rules:
 * a pass runs at start and then every interval; a trigger when idle runs one at once; a trigger (or
 * several) during a pass runs exactly one more after it; the interval re-arms after every pass, however
 * it was started; stop() leaves nothing scheduled.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { pino } from "pino";
import type { GitMirror } from "../../src/gitops/mirror.ts";
import { SyncLoop } from "../../src/gitops/sync.ts";
import type { Store } from "../../src/store/store.ts";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const INTERVAL = 30_000;

/** Lets the promise chains of a pass settle (setImmediate is not faked). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A loop whose passes each wait in `fetch` until `finish()` ends the oldest running one. */
function fakeLoop() {
  const waiting: ((error: Error) => void)[] = [];
  let passes = 0;
  const mirror = {
    url: "https://git.example/tenant.git",
    branch: "main",
    dir: "/nonexistent",
    fetch: () =>
      new Promise<string>((_resolve, reject) => {
        passes++;
        waiting.push(reject);
      }),
  } as unknown as GitMirror;
  let saved: SyncStatus | undefined;
  const store = {
    syncStatus: async () => saved,
    saveSyncStatus: async (status: SyncStatus) => {
      saved = status;
    },
    // This loop always leads (leadership has tests of its own: sync-leader.test.ts).
    tryLeadSync: async (holder: string) => ({
      holder,
      lost: new AbortController().signal,
      verify: async () => true,
      release: async () => {},
    }),
    syncLeader: async () => undefined,
  } as unknown as Store;
  const loop = new SyncLoop({ store, mirror, path: "config", logger: pino({ level: "silent" }) });
  return {
    loop,
    /** Passes started so far. */
    get passes() {
      return passes;
    },
    /** Passes running now (0 or 1: they never overlap). */
    get running() {
      return waiting.length;
    },
    /** Ends the running pass (its fetch fails, so it is quick), then lets everything settle. */
    async finish() {
      const end = waiting.shift() ?? assert.fail("no pass is running");
      end(new Error("offline"));
      await settle();
    },
  };
}

describe("the sync loop's schedule", { timeout: SUITE_TIMEOUT_MS }, () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
  afterEach(() => mock.timers.reset());

  test("a pass at start, then one per interval", async () => {
    const fake = fakeLoop();
    fake.loop.start(INTERVAL);
    await settle();
    assert.equal(fake.passes, 1, "the first pass runs at start");
    await fake.finish();
    mock.timers.tick(INTERVAL - 1);
    await settle();
    assert.equal(fake.passes, 1, "not before the interval");
    mock.timers.tick(1);
    await settle();
    assert.equal(fake.passes, 2);
    await fake.finish();
    mock.timers.tick(INTERVAL);
    await settle();
    assert.equal(fake.passes, 3);
    await fake.finish();
    await fake.loop.stop();
  });

  test("after a triggered pass the interval re-arms: polling goes on after a webhook", async () => {
    const fake = fakeLoop();
    fake.loop.start(INTERVAL);
    await settle();
    await fake.finish();
    mock.timers.tick(INTERVAL / 2);
    fake.loop.trigger();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 2, "a trigger when idle runs a pass at once");
    await fake.finish();
    for (let i = 0; i < 3; i++) {
      mock.timers.tick(INTERVAL);
      await settle();
      assert.equal(fake.passes, 3 + i, `interval pass ${i + 1} after the webhook`);
      await fake.finish();
    }
    await fake.loop.stop();
  });

  test("triggers during a pass run exactly one more pass after it, whoever started the pass", async () => {
    const fake = fakeLoop();
    fake.loop.start(INTERVAL);
    await settle();
    // During the timed first pass: three webhooks.
    fake.loop.trigger();
    fake.loop.trigger();
    fake.loop.trigger();
    await fake.finish();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 2, "one more pass for the three triggers");
    assert.equal(fake.running, 1);
    await fake.finish();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 2, "and only one");

    // A trigger when idle, then two more during the pass it started: one more pass again.
    fake.loop.trigger();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 3);
    fake.loop.trigger();
    fake.loop.trigger();
    await fake.finish();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 4, "a trigger during a triggered pass is not dropped");
    await fake.finish();
    mock.timers.tick(0);
    await settle();
    assert.equal(fake.passes, 4);
    assert.equal(fake.running, 0, "passes never overlap");

    // And the interval still runs from the end of the last pass.
    mock.timers.tick(INTERVAL);
    await settle();
    assert.equal(fake.passes, 5);
    await fake.finish();
    await fake.loop.stop();
  });

  test("syncOnce during a pass resolves with the status of the pass after it", async () => {
    const fake = fakeLoop();
    const first = fake.loop.syncOnce();
    await settle();
    const second = fake.loop.syncOnce();
    const third = fake.loop.syncOnce();
    await fake.finish();
    assert.equal((await first).state, "Failed");
    assert.equal(fake.passes, 2, "one more pass for both calls");
    await fake.finish();
    const [a, b] = await Promise.all([second, third]);
    assert.equal(a, b, "both calls get the same pass's status");
    assert.equal(fake.passes, 2);
    await fake.loop.stop();
  });

  test("stop() waits for the running pass and leaves no pass scheduled, triggered or timed", async () => {
    const fake = fakeLoop();
    fake.loop.start(INTERVAL);
    await settle();
    fake.loop.trigger();
    const stopped = fake.loop.stop();
    await fake.finish();
    await stopped;
    fake.loop.trigger();
    mock.timers.tick(INTERVAL * 10);
    await settle();
    assert.equal(fake.passes, 1, "no pass after stop()");
  });
});
