/**
 * `--store` / SCOPECTL_STORE values that name no usable store are refused with a clear message naming
 * what is wrong, without the password, and before anything is opened or created.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { describeStoreLocation, parseStoreLocation } from "../../src/store/location.ts";
import { runCli } from "../support/cli.ts";

describe("store locations", { timeout: 60_000 }, () => {
  test("a file path is a SQLite store, a postgres URL a PostgreSQL one, described without its password", () => {
    assert.deepEqual(parseStoreLocation("state/store.db", "/srv"), {
      kind: "sqlite",
      file: "/srv/state/store.db",
    });
    const url = "postgresql://app:s3cr%2Ft@db.internal:5432/scopectl";
    const location = parseStoreLocation(url, "/srv");
    assert.deepEqual(location, { kind: "postgres", url });
    assert.equal(describeStoreLocation(location), "postgresql://app:***@db.internal:5432/scopectl");
  });

  for (const [value, message] of [
    ["mysql://app:pw-9f@db/scopectl", /a URL of a kind scopectl does not know/],
    ["postgres://app:pw-9f@db.internal", /names no database/],
    ["postgres://app:pw-9f@db.internal/", /names no database/],
    ["postgres://[bad", /not a valid URL/],
  ] as const) {
    test(`refuses ${value.replace("pw-9f", "***")}`, () => {
      assert.throws(
        () => parseStoreLocation(value, "/srv"),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "store.location-invalid");
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /pw-9f/);
          return true;
        },
      );
    });
  }

  test("the CLI refuses a bad --store before creating anything", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-location-"));
    try {
      const result = runCli(["history", "--store", "postgres://app:pw-9f@db.internal"], { cwd: dir });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /names no database/);
      assert.doesNotMatch(result.stderr + result.stdout, /pw-9f/);
      assert.equal(existsSync(path.join(dir, ".scopectl")), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
