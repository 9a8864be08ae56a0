/**
 * importSpecBytesInWorker (src/openapi/import-in-worker.ts): the upload endpoint imports on a worker
 * thread, so it must give exactly what importSpecBytes gives, InputErrors included (rebuilt as
 * InputError with the same diagnostics), and leave the caller's buffer usable.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/model/diagnostics.ts";
import { importSpecBytesInWorker } from "../../src/openapi/import-in-worker.ts";
import { importSpecBytes } from "../../src/openapi/index.ts";

const TEST_TIMEOUT_MS = 60_000;
const SPEC = `openapi: 3.0.3
info: { title: Orders, version: "1" }
paths:
  /orders:
    get: { summary: List orders, responses: { "200": { description: ok } } }
  /orders/{orderId}:
    get: { responses: { "200": { description: ok } } }
`;

describe("the OpenAPI import on a worker thread", () => {
  test("the same import as on the caller's thread, and the caller's bytes untouched", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const bytes = Buffer.from(SPEC);
    const options = { name: "orders.yaml", format: "yaml" as const };
    const inWorker = await importSpecBytesInWorker(bytes, options);
    assert.deepEqual(inWorker, await importSpecBytes(bytes, options));
    assert.equal(bytes.toString(), SPEC, "the caller's buffer is still whole");
  });

  test("an InputError comes back as an InputError with the same diagnostics", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const bytes = Buffer.from(
      "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'https://evil.example/x'\n",
    );
    const options = { name: "upload.yaml", format: "yaml" as const };
    const direct = await importSpecBytes(bytes, options).then(
      () => assert.fail("the direct import accepted a URL $ref"),
      (error: unknown) => error,
    );
    await assert.rejects(importSpecBytesInWorker(bytes, options), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.deepEqual(error.diagnostics, (direct as InputError).diagnostics);
      return true;
    });
  });
});
