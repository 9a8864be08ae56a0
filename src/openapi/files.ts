/**
 * Reading a spec file (or a file its `$ref`s reach) safely: it must stay inside the root folder, even
 * through symlinks; it must be a regular .json/.yaml/.yml file; and its size is checked with `stat` before a
 * single byte is read, so an oversized file costs nothing.
 */
import { open, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { specError } from "./errors.ts";

/** docs/openapi.md: at most 20 MB, read as MiB (20 × 2^20 bytes), the more permissive of the two readings. */
export const MAX_SPEC_BYTES = 20 * 1024 * 1024;

export const SPEC_EXTENSIONS = [".json", ".yaml", ".yml"] as const;
export type SpecFormat = "json" | "yaml";

/** The file as the user names it: relative to the root, `/` separators (or absolute when unrelated). */
export function displayPath(root: string, absFile: string): string {
  const rel = path.relative(root, absFile);
  if (rel === "" || path.isAbsolute(rel)) return absFile.split(path.sep).join("/");
  return rel.split(path.sep).join("/");
}

/** Lexically inside `root` (not the root itself). Symlinks are checked separately, on the real paths. */
export function isInside(root: string, absFile: string): boolean {
  const rel = path.relative(root, absFile);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** `.json` → json; `.yaml`/`.yml` → yaml (case-insensitive); anything else → undefined. */
export function formatOf(absFile: string): SpecFormat | undefined {
  const ext = path.extname(absFile).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  return undefined;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function tooLargeMessage(noun: string, size: number, limitReason?: string): string {
  return `the ${noun} is ${formatMegabytes(size)}, over the ${limitReason ?? `${formatMegabytes(MAX_SPEC_BYTES)} limit`}`;
}

export interface ReadFile {
  /**
   * Absolute path of the file; undefined for a spec that arrived as bytes (an upload), which has no
   * folder around it, so nothing can resolve against it.
   */
  abs: string | undefined;
  /** The name every error uses: relative to the root with `/` separators, or an upload's name. */
  rel: string;
  format: SpecFormat;
  bytes: Buffer;
}

/** Bytes an import may still read; shared by the spec and the files its `$ref`s reach. */
export interface ReadBudget {
  remaining: number;
}

export interface ReadLimits {
  /** Absolute root folder. */
  root: string;
  /**
   * The import's remaining bytes. A file's size is taken from it right after `stat`, with no `await` in
   * between, so files read concurrently cannot together overrun it.
   */
  budget: ReadBudget;
  /** The limit as the error sentence names it; the 20 MB limit unless told otherwise. */
  limitReason?: string;
  /** What to call the file in messages: "spec" or "file referenced by $ref". */
  noun: string;
}

/**
 * Reads `abs` after checking, in this order: inside the root; exists; a regular file; extension; size
 * (from `stat`, before reading); real path (symlinks) still inside the root; not empty. The size is
 * checked again on the open handle, and exactly that many bytes are read, so a file that grows between
 * `stat` and `read` cannot slip past the limit.
 */
export async function readLimitedFile(abs: string, limits: ReadLimits): Promise<ReadFile> {
  const rel = displayPath(limits.root, abs);
  const fail = (message: string) => specError(rel, message);
  if (!isInside(limits.root, abs)) {
    throw fail(`the ${limits.noun} is outside the root folder ${limits.root}; it must be inside it`);
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw fail(`the ${limits.noun} does not exist`);
    if (code === "ELOOP") throw fail(`the ${limits.noun} is a symlink loop`);
    throw fail(`the ${limits.noun} cannot be read (${code ?? String(err)})`);
  }
  if (!info.isFile()) {
    throw fail(
      `the ${limits.noun} is ${info.isDirectory() ? "a directory" : "not a regular file"}, not a file`,
    );
  }
  const format = formatOf(abs);
  if (!format) {
    const ext = path.extname(abs) || "no extension";
    throw fail(`the ${limits.noun} must be a .json, .yaml or .yml file, not ${ext}`);
  }
  if (info.size > limits.budget.remaining) {
    throw fail(tooLargeMessage(limits.noun, info.size, limits.limitReason));
  }
  limits.budget.remaining -= info.size;

  // A symlink inside the root may point outside it: compare real paths.
  const [realRoot, realFile] = await Promise.all([realpath(limits.root), realpath(abs)]);
  if (!isInside(realRoot, realFile)) {
    throw fail(
      `the ${limits.noun} is a link to ${realFile}, outside the root folder; it must stay inside it`,
    );
  }

  const handle = await open(abs, "r");
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw fail(`the ${limits.noun} is not a regular file`);
    if (opened.size !== info.size)
      throw fail(`the ${limits.noun} changed while it was being read; try again`);
    const buffer = Buffer.allocUnsafe(opened.size);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    // A file that shrank or grew while we read it is not the file we checked: refuse it rather than
    // import a torn copy or read past the limit.
    const probe = await handle.read(Buffer.alloc(1), 0, 1, length);
    if (length !== opened.size || probe.bytesRead !== 0) {
      throw fail(`the ${limits.noun} changed while it was being read; try again`);
    }
    if (length === 0) throw fail(`the ${limits.noun} is empty`);
    return { abs, rel, format, bytes: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}

/**
 * A spec that arrived as bytes (an HTTP upload), checked as a spec file is: at most MAX_SPEC_BYTES, not
 * empty, with the same sentences. `name` stands for the file in every error. No file system is involved.
 */
export function specFromBytes(bytes: Uint8Array, name: string, format: SpecFormat): ReadFile {
  if (bytes.length > MAX_SPEC_BYTES) throw specError(name, tooLargeMessage("spec", bytes.length));
  if (bytes.length === 0) throw specError(name, "the spec is empty");
  // A view on the same memory, not a copy: a Buffer for decodeText's indexOf, isUtf8 and toString.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { abs: undefined, rel: name, format, bytes: buffer };
}
