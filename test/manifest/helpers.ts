/** Test helpers: tenants written to temp folders, and the diagnostics a load fails with. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { type Diagnostic, InputError } from "../../src/model/diagnostics.ts";

export type Files = Record<string, string | Uint8Array>;

/** Writes `files` (paths relative to the folder) into a fresh temp folder, removed after the test. */
export async function tenant(t: TestContext, files: Files): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-manifest-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return dir;
}

/** The diagnostics of a load that must fail with an InputError. */
export async function loadErrors(dir: string): Promise<readonly Diagnostic[]> {
  try {
    await loadDesiredState(dir);
  } catch (err) {
    if (err instanceof InputError) return err.diagnostics;
    throw err;
  }
  assert.fail("expected the load to fail with an InputError");
}

export interface Expected {
  file: string;
  line?: number;
  column?: number;
  field?: string;
  message: RegExp;
}

/** Asserts the load fails with exactly one diagnostic, at the expected place, with the expected text. */
export async function assertOneError(dir: string, expected: Expected): Promise<Diagnostic> {
  const diagnostics = await loadErrors(dir);
  assert.equal(
    diagnostics.length,
    1,
    `expected one diagnostic, got:\n${JSON.stringify(diagnostics, null, 2)}`,
  );
  const [d] = diagnostics as [Diagnostic];
  assertDiagnostic(d, expected);
  return d;
}

export function assertDiagnostic(d: Diagnostic, expected: Expected): void {
  assert.match(d.message, expected.message);
  const { message: _, ...place } = expected;
  const actual: Partial<Diagnostic> = { file: d.file };
  if ("line" in place) actual.line = d.line;
  if ("column" in place) actual.column = d.column;
  if ("field" in place) actual.field = d.field;
  assert.deepEqual(actual, place, `place of: ${d.message}`);
}

/** One YAML document from lines, so fixtures read as they will be numbered. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** Lines 1-12: a valid Api `orders` with scopes read:orders and write:orders. */
export const ORDERS_API = yaml(
  "apiVersion: scopectl/v1",
  "kind: Api",
  "metadata:",
  "  name: orders",
  "spec:",
  "  audience: https://api.example.com/orders",
  "  displayName: Orders API",
  "  scopes:",
  "    - name: read:orders",
  "      description: Read orders",
  "    - name: write:orders",
  "      description: Create and update orders",
);

/** A small OpenAPI 3.0 spec: three operations. */
export const ORDERS_SPEC = yaml(
  "openapi: 3.0.3",
  "info: { title: Orders, version: 1.0.0 }",
  "paths:",
  "  /orders:",
  "    get:",
  "      summary: List orders",
  "      responses: { '200': { description: ok } }",
  "  /orders/{orderId}:",
  "    get:",
  "      operationId: getOrder",
  "      responses: { '200': { description: ok } }",
  "    delete:",
  "      responses: { '204': { description: gone } }",
);
