/**
 * `scopectl validate` reads no store: a reference to a scope that only uploads create (an Api whose
 * OpenApiSource has `upload: true`) is listed as not checked, a notice and not an error; one to an Api
 * that does not take uploads is still an error.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER } from "../support/token-server.ts";

const TEST_TIMEOUT_MS = 60_000;

describe("validate and scopes only uploads create", { timeout: SUITE_TIMEOUT_MS }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-validate-uploads-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (source: string) =>
    writeFile(
      path.join(dir, "tenant.yaml"),
      [
        `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes: [{ name: "read:orders" }]\n`,
        source,
        `${API_HEADER("Role", "clerk")}spec:\n  scopes:\n    orders: ["read:orders", "post:orders"]\n`,
      ].join("---\n"),
    );

  test("an upload-fed Api: exit 0, and the reference listed as not checked", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await write(`${API_HEADER("OpenApiSource", "orders-spec")}spec:\n  api: orders\n  upload: true\n`);
    const result = runCli(["validate", dir]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^valid: .*1 OpenApiSource/m);
    assert.match(
      result.stderr,
      /^notice: 1 reference to scopes that only uploads create, not checked without a store \(plan and apply check them\):\n {2}.*tenant\.yaml:\d+:\d+: post:orders of Api orders$/m,
    );
  });

  test("an Api that takes no uploads: the unknown scope is an error", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await write(`${API_HEADER("Api", "other")}spec:\n  audience: https://other.example\n`);
    const result = runCli(["validate", dir]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /unknown scope "post:orders" of Api "orders"/);
    assert.doesNotMatch(result.stderr, /notice/);
  });
});
