/**
 * Loading a spec: read it (safely), parse it once, check it, validate its structure, and hand back the
 * document with everything generation needs. Every failure is an `InputError` naming the file, and the
 * line and column when there is one; nothing is returned half-checked.
 *
 * Order, cheapest and most fundamental first: inside the root → exists → extension → size (stat, before
 * reading) → empty → text (not binary) → syntax (and YAML alias bombs) → OpenAPI/Swagger version →
 * `paths` → one walk for `__proto__`, nesting and `$ref`s (no URL, nothing outside the root, internal
 * targets exist) → other files the `$ref`s reach (same rules) → path items that are `$ref`s replaced by
 * their targets → schema validation. A spec that arrived as bytes (an upload) starts at the size check and
 * goes through the same steps, except that it is one document: no `$ref` may point to another file.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { SpecFileInfo } from "../model/spec-import.ts";
import { bundleExternalRefs } from "./bundle.ts";
import { specError } from "./errors.ts";
import {
  MAX_SPEC_BYTES,
  type ReadBudget,
  type ReadFile,
  readLimitedFile,
  type SpecFormat,
  specFromBytes,
} from "./files.ts";
import { formatField, parsePointer, resolvePath } from "./pointer.ts";
import { scanDocument } from "./refs.ts";
import { type SpecKind, validateStructure } from "./schema.ts";
import { decodeText, type ParsedSource, parseSource } from "./source.ts";
import { detectVersion, requirePaths } from "./version.ts";

export interface LoadOptions {
  /** Absolute path of the folder the spec and every file its `$ref`s reach must stay inside. */
  root: string;
}

export interface LoadedSpec {
  /**
   * The parsed document: bundled into one document when it had `$ref`s to other files, and with every path
   * item that was a `$ref` replaced by its target. Other `$ref`s (schemas, responses...) are left as they
   * are: scopes need only paths, methods, summaries and operationIds, and a full dereference of a large
   * spec costs more than parsing it.
   */
  doc: Record<string, unknown>;
  /** `doc.paths`, checked to be a mapping. */
  paths: Record<string, unknown>;
  kind: SpecKind;
  /** As declared: "3.0.3", "3.1.0", "2.0". */
  specVersion: string;
  /** The spec file: path relative to the root (or an upload's name), SHA-256 and size of its bytes. */
  file: SpecFileInfo;
  /** Absolute paths: the spec, then every file its `$ref`s read, sorted; empty for an upload. */
  filesRead: string[];
}

export async function loadSpec(absFile: string, options: LoadOptions): Promise<LoadedSpec> {
  const root = path.resolve(options.root);
  const abs = path.resolve(absFile);
  const budget = { remaining: MAX_SPEC_BYTES };
  const file = await readLimitedFile(abs, { root, budget, noun: "spec" });
  return checkSpec(file, { root, budget });
}

export interface LoadBytesOptions {
  /** What every error calls the spec, and its `file.path`: an upload's file name, such as `upload.yaml`. */
  name: string;
  format: SpecFormat;
}

/**
 * Loads a spec that arrived as bytes (an HTTP upload) with every check a spec file gets, after the same
 * size and emptiness checks. It is one document: a `$ref` to another file is refused. `filesRead` is
 * empty, and nothing touches the file system.
 */
export async function loadSpecBytes(bytes: Uint8Array, options: LoadBytesOptions): Promise<LoadedSpec> {
  return checkSpec(specFromBytes(bytes, options.name, options.format), undefined);
}

/** The folder a spec file was read from: its `$ref`s may read other files inside `root`, from `budget`. */
interface SpecFolder {
  root: string;
  budget: ReadBudget;
}

/** Everything after the read, shared by files and bytes; `folder` is undefined for bytes. */
async function checkSpec(file: ReadFile, folder: SpecFolder | undefined): Promise<LoadedSpec> {
  const source = parseSource(file, decodeText(file));
  const { kind, version } = detectVersion(source);
  requirePaths(source);

  const { externalRefs } = scanDocument(source, folder?.root);
  const filesRead = file.abs === undefined ? [] : [file.abs];
  let doc = source.value as Record<string, unknown>;
  if (folder && externalRefs.length > 0) {
    const ctx = { root: folder.root, budget: folder.budget, filesRead };
    doc = (await bundleExternalRefs(source, externalRefs, ctx)) as Record<string, unknown>;
    // Files are read concurrently, so their read order varies; the record must not.
    // Sorted in place after the spec (a splice with a spread would pass every file as an argument).
    const refFiles = filesRead.slice(1).sort();
    for (const [i, f] of refFiles.entries()) filesRead[i + 1] = f;
  }

  // Path items that are `$ref`s are resolved before validation, as swagger-parser's dereference would:
  // the official 3.1 schema (2022-10-07) has no `$ref` field in its Path Item, though the 3.1 spec allows it.
  const paths = doc.paths as Record<string, unknown>;
  resolvePathItemRefs(source, doc, paths);
  validateStructure(source, doc, kind);

  // Synchronous, about 10 ms for 20 MB. WebCrypto's digest hashes on the thread pool but held this thread
  // 50 to 140 ms first (bench:openapi profile, Node 20), more than the whole hash here.
  const sha256 = createHash("sha256").update(file.bytes).digest("hex");
  return {
    doc,
    paths,
    kind,
    specVersion: version,
    file: { path: file.rel, sha256, size: file.bytes.length },
    filesRead,
  };
}

/** Longest chain of path-item `$ref`s followed before calling it a loop. */
const MAX_REF_HOPS = 32;

/**
 * A path item may be a `$ref` (`/users: {$ref: "#/components/pathItems/Users"}` in 3.1, or to another
 * file, bundled by now into an internal one). Replace each by its target, fields written next to the
 * `$ref` winning, so that generation sees the operations.
 */
function resolvePathItemRefs(source: ParsedSource, doc: unknown, paths: Record<string, unknown>): void {
  for (const key of Object.keys(paths)) {
    let item = paths[key];
    let hops = 0;
    while (
      item !== null &&
      typeof item === "object" &&
      typeof (item as { $ref?: unknown }).$ref === "string"
    ) {
      const { $ref, ...siblings } = item as Record<string, unknown> & { $ref: string };
      const segments = $ref.startsWith("#") ? parsePointer($ref.slice(1), true) : undefined;
      const target = segments ? resolvePath(doc, segments) : { found: false, value: undefined };
      const at = ["paths", key, "$ref"];
      if (!target.found || target.value === null || typeof target.value !== "object") {
        throw specError(
          source.rel,
          `the path item $ref ${JSON.stringify($ref)} does not point to a path item`,
          {
            position: source.locate(at),
            field: formatField(at),
          },
        );
      }
      if (++hops > MAX_REF_HOPS) {
        throw specError(source.rel, `the path item $ref ${JSON.stringify($ref)} is part of a loop of $refs`, {
          position: source.locate(at),
          field: formatField(at),
        });
      }
      item = { ...(target.value as Record<string, unknown>), ...siblings };
    }
    if (hops > 0) paths[key] = item;
  }
}
