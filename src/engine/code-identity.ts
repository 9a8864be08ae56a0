/**
 * Which scopectl is running, as one string: the package version and a digest of the name, size and
 * modification time of every module file of the code it runs (dist/ installed, src/ in development).
 * A plan record (plan-record.ts) answers only the code that wrote it: another version, or a checkout
 * whose planning code was edited since, may plan the same inputs differently.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** src/ or dist/: this file sits in <code>/engine/, and package.json beside <code>. */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = path.join(CODE_ROOT, "..", "package.json");
const MODULE = /\.(?:[cm]?js|ts)$/;

let identity: Promise<string> | undefined;

async function compute(): Promise<string> {
  const entries = await readdir(CODE_ROOT, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && MODULE.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const stats = await Promise.all(files.map((f) => stat(f)));
  const { version } = JSON.parse(await readFile(PACKAGE, "utf8")) as { version: string };
  const hash = createHash("sha256").update(version);
  files.forEach((file, i) => {
    const info = stats[i] as Awaited<ReturnType<typeof stat>>;
    hash.update(`\n${path.relative(CODE_ROOT, file)}\0${info.size}\0${info.mtimeMs}`);
  });
  return `${version}+${hash.digest("hex").slice(0, 32)}`;
}

/** The identity of the running code, computed once per process. */
export function codeIdentity(): Promise<string> {
  identity ??= compute();
  return identity;
}
