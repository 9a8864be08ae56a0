/**
 * Stage (a): read every YAML file under the root and parse it. Nothing here knows about kinds or
 * schemas; it only turns files into documents (or diagnostics) and sets OpenAPI spec files aside.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { sha256Hex } from "../core/secrets.ts";
import { InputError } from "../model/diagnostics.ts";
import type { ManifestCache } from "./cache.ts";
import type { ManifestSet, OversizedFile, ParsedFile, ReadResult } from "./documents.ts";
import { displayPath, type FileNamer, findYamlFiles, readYamlFile } from "./files.ts";
import type { InputLedger } from "./inputs.ts";
import { parseManifestText } from "./parse.ts";

/**
 * Every `.yaml`/`.yml` file under `root`, recursively, in sorted order, parsed into documents. Problems
 * with single files are returned as diagnostics (so every file is still read and all problems are
 * reported at once); a root that is missing or not a folder throws an InputError at once.
 *
 * `name` names files in diagnostics and places; by default relative to `root` (`..` for a file
 * outside it, the folder itself by its absolute path).
 */
export async function readManifestFiles(
  root: string,
  options: { name?: FileNamer; cache?: ManifestCache; inputs?: InputLedger } = {},
): Promise<ReadResult> {
  const absRoot = path.resolve(root);
  // An overlay's base is read with the namer of the folder the user loaded, not its own.
  const name = options.name ?? ((abs: string) => displayPath(absRoot, abs));
  try {
    const info = await stat(absRoot);
    if (!info.isDirectory())
      throw new InputError([{ file: name(absRoot), message: "this is not a folder of manifests" }]);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" || code === "ENOTDIR"
        ? "the manifest folder does not exist"
        : `the manifest folder cannot be read (${code ?? String(err)})`;
    throw new InputError([{ file: name(absRoot), message }]);
  }

  const found = await findYamlFiles(absRoot, name);
  options.inputs?.walked(absRoot, found.files);
  const diagnostics = [...found.diagnostics];
  const files: ParsedFile[] = [];
  const oversized: OversizedFile[] = [];
  for (const abs of found.files) {
    const origin = { file: name(abs), abs, root: absRoot };
    const read = await readYamlFile(abs);
    if (read.kind === "refused") {
      diagnostics.push({ file: origin.file, message: read.message });
      continue;
    }
    if (read.kind === "oversized") {
      oversized.push({ file: origin.file, abs, message: read.message });
      continue;
    }
    if (read.kind === "spec") {
      // One document, no apiVersion or kind (spec-sniff.ts, parse.ts): setting it aside loses no manifest,
      // whether or not an OpenApiSource reads it (an unread spec is allowed: `openapi preview` reads it).
      files.push({ ...origin, role: "spec", documents: [] });
      continue;
    }
    const { text } = read;
    options.inputs?.read(abs, "text", sha256Hex(text));
    const parsed = options.cache
      ? options.cache.parse(text, origin, () => parseManifestText(text, origin))
      : parseManifestText(text, origin);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    files.push({ ...origin, role: parsed.role, documents: parsed.documents });
  }
  if (found.files.length === 0 && diagnostics.length === 0) {
    // An empty folder is almost always the wrong folder; loading it as "no resources" would plan to
    // delete everything the store holds.
    diagnostics.push({ file: name(absRoot), message: "the folder has no .yaml or .yml files" });
  }
  return { root: absRoot, name, files, oversized, diagnostics };
}

function hasOwn(value: unknown, key: string): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, key);
}

/** Splits the parsed documents into manifests (they have an apiVersion or a kind) and the rest. */
export function collectDocuments(read: ReadResult): ManifestSet {
  const set: ManifestSet = {
    root: read.root,
    name: read.name,
    manifests: [],
    untyped: [],
    oversized: [...read.oversized],
    diagnostics: [...read.diagnostics],
  };
  for (const file of read.files) {
    if (file.role !== "manifest") continue;
    for (const doc of file.documents) {
      if (hasOwn(doc.value, "apiVersion") || hasOwn(doc.value, "kind")) set.manifests.push(doc);
      else set.untyped.push(doc);
    }
  }
  return set;
}
