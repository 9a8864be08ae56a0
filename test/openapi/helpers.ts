/** Shared test helpers for the OpenAPI import: temp roots, fixture copies, and InputError assertions. */
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../src/model/diagnostics.ts";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/** A fresh folder in the OS temp dir, removed when the test ends. Real path, so symlink checks compare alike. */
export async function tempRoot(t: TestContext): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "scopectl-openapi-")));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` at `rel` under `root` (creating folders) and returns the absolute path. */
export async function put(root: string, rel: string, content: string | Uint8Array): Promise<string> {
  const abs = path.join(root, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
  return abs;
}

/** Copies a fixture file or folder into `root`. */
export async function copyFixture(root: string, name: string, as = name): Promise<string> {
  const target = path.join(root, as);
  await cp(path.join(FIXTURES, name), target, { recursive: true });
  return target;
}

export interface ExpectedDiagnostic {
  /** The file exactly, or a pattern when either of several files may be the one reported. */
  file: string | RegExp;
  message: RegExp;
  line?: number | undefined;
  column?: number | undefined;
  field?: string | undefined;
}

/**
 * Asserts that `promise` rejects with an InputError whose first diagnostic names `file`, matches `message`,
 * and has exactly the given line, column and field (undefined means: must have none).
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  expected: ExpectedDiagnostic,
): Promise<InputError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  const [first] = caught.diagnostics;
  assert.ok(first, "the InputError has no diagnostic");
  if (typeof expected.file === "string") assert.equal(first.file, expected.file, caught.message);
  else assert.match(first.file, expected.file, caught.message);
  assert.match(first.message, expected.message, caught.message);
  assert.equal(first.line, expected.line, `line: ${caught.message}`);
  assert.equal(first.column, expected.column, `column: ${caught.message}`);
  if ("field" in expected) assert.equal(first.field, expected.field, `field: ${caught.message}`);
  return caught;
}

/** A minimal valid spec of each version, with `paths` as given. */
export function minimalSpec(
  version: "2.0" | "3.0.3" | "3.1.0",
  paths: Record<string, unknown>,
): Record<string, unknown> {
  const head = version === "2.0" ? { swagger: "2.0" } : { openapi: version };
  return { ...head, info: { title: "t", version: "1" }, paths };
}

/** An operation that is valid in every version. */
export function op(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, responses: { "200": { description: "OK" } } };
}
