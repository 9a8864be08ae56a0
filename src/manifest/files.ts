/**
 * Finding and reading the manifest files of a folder: every `.yaml`/`.yml` file below it, in a stable
 * order, read as UTF-8 text only after the checks that keep a stray binary or huge file from reaching
 * the YAML parser.
 */
import { isUtf8 } from "node:buffer";
import type { Dirent } from "node:fs";
import { type FileHandle, open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../model/diagnostics.ts";
import { MAX_SPEC_BYTES } from "../openapi/files.ts";
import type { FileNamer } from "./documents.ts";
import { looksLikeSpec } from "./spec-sniff.ts";

/**
 * Manifests are small; a file this large is a mistake (or an attack), not a tenant. Specs are not
 * manifests: they have the OpenAPI import's limit (MAX_SPEC_BYTES).
 */
export const MAX_MANIFEST_FILE_BYTES = 10 * 1024 * 1024;

/** Folders never searched: tool state and dependencies, not manifests. Dot-folders are skipped too. */
const SKIPPED_FOLDERS = new Set(["node_modules"]);

export function isYamlFile(name: string): boolean {
  const ext = path.extname(name).toLowerCase();
  return ext === ".yaml" || ext === ".yml";
}

/** Relative to `root` with `/` separators, as users and CI annotations name files on every OS. */
export function displayPath(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return (rel === "" ? abs : rel).split(path.sep).join("/");
}

export type { FileNamer } from "./documents.ts";

/**
 * Names relative to `base` when inside it, absolute otherwise (`base` itself by its absolute path), with
 * `/` separators: with the working directory as `base`, what the terminal that ran the command (and an
 * editor opened there) can open as it is printed. A `../../x` path is harder to read than the absolute
 * one, and means nothing once pasted elsewhere.
 */
export function namesFrom(base: string): FileNamer {
  const absBase = path.resolve(base);
  return (abs) => (isInside(absBase, abs) ? displayPath(absBase, abs) : abs.split(path.sep).join("/"));
}

/** Lexically inside `root` (the root itself is not "inside"). */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

export interface FoundFiles {
  /** Absolute paths, sorted by their path relative to the root (code-unit order, not locale). */
  files: string[];
  diagnostics: Diagnostic[];
}

interface Found {
  abs: string;
  key: string;
  /** Reached through a symlink (the file itself, or a folder above it inside the root). */
  linked: boolean;
}

/** Why a symlink cannot be followed, as its diagnostic says it; undefined when it may be ignored. */
function unfollowable(name: string, code: string | undefined): string | undefined {
  // A link whose name has another extension (NOTES.md) cannot have held manifests; one without an
  // extension may have been a folder of them, and skipping it would plan to delete what it held.
  const ext = path.extname(name);
  if (ext !== "" && !isYamlFile(name)) return undefined;
  if (code === "ELOOP") return "the link is a symlink loop: it never reaches a file or a folder";
  if (code === "ENOENT" || code === "ENOTDIR") {
    return isYamlFile(name)
      ? "the file is a broken symlink"
      : "the link is broken: its target does not exist, so whatever it held is not read";
  }
  return `the link cannot be followed (${code ?? "unknown error"})`;
}

const NOT_REGULAR = "the file is not a regular file (a FIFO, socket or device); manifests are plain files";

/**
 * Every YAML file under `root`, recursively. Hidden entries (dot-files and dot-folders: `.git`,
 * `.github`, editor and CI configs) and `node_modules` are skipped. Nothing else is skipped silently:
 *   - a symlink (to a file or a folder) whose target is outside the root is an error naming the link,
 *     as are a broken link and a link loop (unless the link's name says it is not YAML: `NOTES.md`);
 *   - a symlink inside the root is followed; each real folder is walked once and each real file read
 *     once, under its own path when it also has one without links (so links to an ancestor end, and a
 *     folder linked twice does not declare its manifests twice);
 *   - a YAML name that is not a regular file (a FIFO) is an error, never opened.
 * `name` turns an absolute path into the name diagnostics use.
 */
export async function findYamlFiles(
  root: string,
  name: (abs: string) => string = (abs) => displayPath(root, abs),
): Promise<FoundFiles> {
  const realRoot = await realpath(root);
  const diagnostics: Diagnostic[] = [];
  const byReal = new Map<string, Found>();
  const walked = new Set<string>([realRoot]);
  /** Folder links inside the root, followed after the real folders so that real paths win. */
  const folderLinks: Array<{ abs: string; target: string }> = [];
  const report = (abs: string, message: string) => diagnostics.push({ file: name(abs), message });

  const addFile = (abs: string, real: string, linked: boolean) => {
    const found: Found = { abs, key: name(abs), linked };
    const other = byReal.get(real);
    if (!other || (other.linked && !linked) || (other.linked === linked && found.key < other.key)) {
      byReal.set(real, found);
    }
  };

  async function followLink(abs: string, entryName: string): Promise<void> {
    let target: string;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      target = await realpath(abs);
      info = await stat(target);
    } catch (err) {
      const problem = unfollowable(entryName, (err as NodeJS.ErrnoException).code);
      if (problem) report(abs, problem);
      return;
    }
    if (target !== realRoot && !isInside(realRoot, target)) {
      if (info.isDirectory()) {
        report(
          abs,
          `the folder is a link to ${target}, outside the manifest folder; manifests must stay inside it (move the folder in, or make it an Overlay base)`,
        );
      } else if (isYamlFile(entryName)) {
        report(
          abs,
          `the file is a link to ${target}, outside the manifest folder; manifests must stay inside it`,
        );
      }
      return;
    }
    if (info.isDirectory()) folderLinks.push({ abs, target });
    else if (!isYamlFile(entryName)) return;
    else if (info.isFile()) addFile(abs, target, true);
    else report(abs, NOT_REGULAR);
  }

  async function walk(dir: string, realDir: string, linked: boolean): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      report(dir, `the folder cannot be read (${code})`);
      return;
    }
    // Sorted, so that which of two paths to one file is kept never depends on the file system's order.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || SKIPPED_FOLDERS.has(entry.name)) continue;
      const abs = path.join(dir, entry.name);
      const real = path.join(realDir, entry.name);
      if (entry.isSymbolicLink()) await followLink(abs, entry.name);
      else if (entry.isDirectory()) {
        if (walked.has(real)) continue;
        walked.add(real);
        await walk(abs, real, linked);
      } else if (!isYamlFile(entry.name)) continue;
      else if (entry.isFile()) addFile(abs, real, linked);
      else report(abs, NOT_REGULAR);
    }
  }

  await walk(root, realRoot, false);
  // A link to a folder the walk already read (an ancestor, a sibling) adds nothing; one into a skipped
  // folder (`shared -> .shared`) is read under the link's path. Following one may find more links.
  for (let i = 0; i < folderLinks.length; i++) {
    const { abs, target } = folderLinks[i] as { abs: string; target: string };
    if (walked.has(target)) continue;
    walked.add(target);
    await walk(abs, target, true);
  }
  const files = [...byReal.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files: files.map((f) => f.abs), diagnostics };
}

/** How much of a file over the manifest limit is read, to learn whether it is a spec. */
const HEAD_BYTES = 64 * 1024;

export type YamlRead =
  | { kind: "text"; text: string }
  /** An OpenAPI spec (spec-sniff.ts): the OpenAPI import reads it, with its own 20 MB limit. */
  | { kind: "spec" }
  /**
   * Over the manifest limit and not known to be a spec: unread. Judged after the OpenAPI imports, since
   * a file a spec's `$ref` reads is part of the spec (and of its 20 MB), not a manifest.
   */
  | { kind: "oversized"; size: number; message: string }
  | { kind: "refused"; message: string };

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Reads `length` bytes from the start of an open file (fewer at its end). */
async function readBytes(handle: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * A YAML file of the manifest folder: its text, or that it is a spec, or why it is not read. The size is
 * checked on the open handle before reading: a file over the manifest limit is never read whole (only
 * its head, to tell a spec), and a file that grew since is caught, not read past the limit. A manifest
 * must be UTF-8 text without NUL bytes (a NUL is also what UTF-16 looks like). Never a partial read.
 */
export async function readYamlFile(abs: string): Promise<YamlRead> {
  let handle: FileHandle;
  try {
    handle = await open(abs, "r");
  } catch (err) {
    // Unreadable (permissions), or gone since the walk found it: an error naming the file, not a crash.
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { kind: "refused", message: `the file cannot be read (${code})` };
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_MANIFEST_FILE_BYTES) {
      const head = (await readBytes(handle, HEAD_BYTES)).toString("utf8");
      if (looksLikeSpec(head.slice(0, head.lastIndexOf("\n") + 1))) return { kind: "spec" };
      return {
        kind: "oversized",
        size,
        message: `the file is ${megabytes(size)}, over the ${megabytes(MAX_MANIFEST_FILE_BYTES)} limit for a manifest, and no OpenApiSource's spec reads it (a spec, and the files its $refs reach, may be ${megabytes(MAX_SPEC_BYTES)})`,
      };
    }
    // One byte past the size: a file that grew since `stat` is caught, not read torn or past the limit.
    const bytes = await readBytes(handle, size + 1);
    if (bytes.length !== size) {
      return { kind: "refused", message: "the file changed while it was read; try again" };
    }
    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      return { kind: "refused", message: `the file is binary (a NUL byte at offset ${nul}), not YAML text` };
    }
    if (!isUtf8(bytes)) return { kind: "refused", message: "the file is not valid UTF-8 text" };
    const text = bytes.toString("utf8");
    return looksLikeSpec(text) ? { kind: "spec" } : { kind: "text", text };
  } finally {
    await handle.close();
  }
}
