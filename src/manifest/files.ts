/**
 * Finding and reading the manifest files of a folder: every `.yaml`/`.yml` file below it, in a stable
 * order, read as UTF-8 text only after the checks that keep a stray binary or huge file from reaching
 * the YAML parser.
 */
import { isUtf8 } from "node:buffer";
import type { Dirent } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../model/diagnostics.ts";

/** Manifests are small; a file this large is a mistake (or an attack), not a tenant. */
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

/**
 * Every YAML file under `root`, recursively. Hidden entries (dot-files and dot-folders: `.git`,
 * `.github`, editor and CI configs) and `node_modules` are skipped. Symlinks are followed only when
 * their target is inside the root, and each real folder is visited once, so a link loop ends.
 */
export async function findYamlFiles(root: string): Promise<FoundFiles> {
  const realRoot = await realpath(root);
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const visited = new Set<string>([realRoot]);

  async function walk(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      diagnostics.push({ file: displayPath(root, dir), message: `the folder cannot be read (${code})` });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".") || SKIPPED_FOLDERS.has(entry.name)) continue;
      const abs = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(abs);
        } catch {
          if (isYamlFile(entry.name)) {
            diagnostics.push({ file: displayPath(root, abs), message: "the file is a broken symlink" });
          }
          continue;
        }
        if (!isInside(realRoot, target)) {
          // Only reported for YAML files: a linked folder outside the root is not ours to read.
          if (isYamlFile(entry.name)) {
            diagnostics.push({
              file: displayPath(root, abs),
              message: `the file is a link to ${target}, outside the manifest folder; manifests must stay inside it`,
            });
          }
          continue;
        }
        const info = await stat(target);
        isDir = info.isDirectory();
        isFile = info.isFile();
        if (isDir) {
          if (visited.has(target)) continue;
          visited.add(target);
        }
      }
      if (isDir) await walk(abs);
      else if (isFile && isYamlFile(entry.name)) files.push(abs);
    }
  }

  await walk(root);
  const keyed = files.map((abs) => ({ abs, key: displayPath(root, abs) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files: keyed.map((k) => k.abs), diagnostics };
}

export type TextRead = { ok: true; text: string } | { ok: false; message: string };

/**
 * The file as text, or why it is not a manifest: too large (checked on the open handle before reading),
 * binary (NUL bytes: also what UTF-16 looks like) or not valid UTF-8. Never a partial read.
 */
export async function readTextFile(abs: string): Promise<TextRead> {
  const handle = await open(abs, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_MANIFEST_FILE_BYTES) {
      const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
      return {
        ok: false,
        message: `the file is ${mb(size)}, over the ${mb(MAX_MANIFEST_FILE_BYTES)} limit for a manifest`,
      };
    }
    // Read at most one byte past the limit: a file that grew since `stat` is caught, not read whole.
    const buffer = Buffer.alloc(Math.min(size, MAX_MANIFEST_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_MANIFEST_FILE_BYTES) {
      return { ok: false, message: "the file grew past the size limit for a manifest while it was read" };
    }
    const bytes = buffer.subarray(0, length);
    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      return { ok: false, message: `the file is binary (a NUL byte at offset ${nul}), not YAML text` };
    }
    if (!isUtf8(bytes)) return { ok: false, message: "the file is not valid UTF-8 text" };
    return { ok: true, text: bytes.toString("utf8") };
  } finally {
    await handle.close();
  }
}
