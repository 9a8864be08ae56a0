/**
 * Which scopectl is running, as one string: the package version, the Node version, and a digest of
 * the name, size and modification time of every module file of the code it runs (dist/ installed, src/
 * in development; symlinked module files followed) and of package-lock.json when there is one beside
 * package.json (a checkout whose dependencies moved). A plan record (plan-record.ts) answers only the
 * code that wrote it: another version, or a checkout whose planning code was edited since, may plan
 * the same inputs differently. Stats, not contents: hashing every module would cost more than the
 * record saves; a same-size edit with the modification time kept is not seen (--recompute).
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** src/ or dist/: this file sits in <code>/engine/, and package.json beside <code>. */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = path.join(CODE_ROOT, "..", "package.json");
const LOCK = path.join(CODE_ROOT, "..", "package-lock.json");
const MODULE = /\.(?:[cm]?js|ts)$/;

let identity: Promise<string> | undefined;

async function compute(): Promise<string> {
  const entries = await readdir(CODE_ROOT, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && MODULE.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  // A dangling link is hashed as such, not a failure: the identity must never fail a plan.
  const stats = await Promise.all(files.map((f) => stat(f).catch(() => undefined)));
  const { version } = JSON.parse(await readFile(PACKAGE, "utf8")) as { version: string };
  const lock = await stat(LOCK).catch(() => undefined);
  const hash = createHash("sha256").update(`${version}\0${process.version}`);
  if (lock) hash.update(`\nlock\0${lock.size}\0${lock.mtimeMs}`);
  files.forEach((file, i) => {
    const info = stats[i];
    const name = path.relative(CODE_ROOT, file);
    hash.update(info ? `\n${name}\0${info.size}\0${info.mtimeMs}` : `\n${name}\0dangling`);
  });
  return `${version}+${hash.digest("hex").slice(0, 32)}`;
}

/** The identity of the running code, computed once per process. */
export function codeIdentity(): Promise<string> {
  identity ??= compute();
  return identity;
}
