/**
 * The coalescing behind `scopectl up`'s watch, on mocked timers (no wall clock): a burst of changes is
 * one apply; changes during an apply are exactly one more; nothing runs after close. And which paths
 * the watcher ignores (those the manifest loader skips).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, mock, test } from "node:test";
import { coalesce, isIgnored, QUIET_MS } from "../../src/cli/manifest-watcher.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/** Lets promise callbacks run (an apply finishing, its `finally`). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("coalesce", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a burst of changes is applied once, after the folder is quiet", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const apply = mock.fn(async () => {});
    const applies = coalesce(apply);
    for (let i = 0; i < 5; i++) {
      applies.notify();
      t.mock.timers.tick(QUIET_MS - 1);
    }
    assert.equal(apply.mock.callCount(), 0, "not while changes keep coming");
    t.mock.timers.tick(1);
    await settle();
    assert.equal(apply.mock.callCount(), 1);
    t.mock.timers.tick(QUIET_MS * 10);
    await settle();
    assert.equal(apply.mock.callCount(), 1, "nothing more without a change");
    await applies.close();
  });

  test("changes during an apply schedule exactly one more apply", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const finish: (() => void)[] = [];
    const apply = mock.fn(() => new Promise<void>((resolve) => finish.push(resolve)));
    const applies = coalesce(apply);
    applies.notify();
    t.mock.timers.tick(QUIET_MS);
    assert.equal(apply.mock.callCount(), 1);
    for (let i = 0; i < 3; i++) applies.notify();
    t.mock.timers.tick(QUIET_MS * 4);
    assert.equal(apply.mock.callCount(), 1, "one apply at a time");
    finish.shift()?.();
    await settle();
    t.mock.timers.tick(QUIET_MS);
    assert.equal(apply.mock.callCount(), 2);
    finish.shift()?.();
    await settle();
    t.mock.timers.tick(QUIET_MS * 4);
    assert.equal(apply.mock.callCount(), 2, "the three changes were one more apply, not three");
    await applies.close();
  });

  test("close cancels a pending apply and waits for a running one", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    let finished = false;
    const apply = mock.fn(async () => {
      await settle();
      finished = true;
    });
    const applies = coalesce(apply);
    applies.notify();
    t.mock.timers.tick(QUIET_MS);
    applies.notify();
    await applies.close();
    assert.ok(finished, "the running apply finished before close resolved");
    t.mock.timers.tick(QUIET_MS * 4);
    await settle();
    assert.equal(apply.mock.callCount(), 1);
  });
});

test("the watcher ignores what the manifest loader skips", { timeout: 10_000 }, () => {
  const root = path.resolve("/tenant/config");
  const at = (rel: string) => path.join(root, rel);
  assert.equal(isIgnored(root, root), false);
  assert.equal(isIgnored(root, at("apis.yaml")), false);
  assert.equal(isIgnored(root, at("specs/catalog.openapi.yaml")), false);
  assert.equal(isIgnored(root, at("applications.yaml.tmp-42")), false);
  assert.equal(isIgnored(root, at(".applications.yaml.swp")), true);
  assert.equal(isIgnored(root, at(".git/index")), true);
  assert.equal(isIgnored(root, at("team/.hidden/roles.yaml")), true);
  assert.equal(isIgnored(root, at("node_modules/x/a.yaml")), true);
  assert.equal(isIgnored(root, path.resolve("/tenant/.elsewhere")), false);
});
