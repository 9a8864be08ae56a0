/**
 * Parsed manifest files by content, for the processes that load the same folder again and again (`up`'s
 * watcher, the sync loop): a commit that changes one file parses one file. Every file is still read
 * (reading is cheap; parsing is not), and its text is hashed: a file is reused only when its bytes, its
 * name and its folder are what they were, so a hit gives exactly what a parse would. What depends on
 * more than one file (overlays, references) is not kept here as such; the OpenAPI imports are kept by
 * the spec's bytes, and resolutions (resolve/memo.ts) by document and by the names they resolve against.
 *
 * Also remembered per document: its schema check (validate/), keyed by the document object, which a
 * hit hands out again. A load keeps what it used and drops the rest (`sweep`), so the cache holds one
 * folder's worth of files, whatever the history of edits.
 */
import { readFile, realpath } from "node:fs/promises";
import { deepFreeze } from "../core/deep-freeze.ts";
import { sha256Hex } from "../core/secrets.ts";
import type { ImportOptions } from "../openapi/index.ts";
import type { SpecImport } from "../openapi/types.ts";
import type { ManifestDocument, Place } from "./documents.ts";
import type { ParsedText } from "./parse.ts";
import { ResolutionMemo } from "./resolve/memo.ts";

type Origin = Omit<Place, "line" | "column">;

interface ImportEntry {
  /** The spec's real path when it was imported. */
  real: string;
  result: SpecImport;
  generation: number;
}

/** Where the file at `abs` really is now and the SHA-256 of its bytes, or undefined if unreadable. */
async function readNow(abs: string): Promise<{ real: string; sha256: string } | undefined> {
  try {
    const [real, bytes] = await Promise.all([realpath(abs), readFile(abs)]);
    return { real, sha256: sha256Hex(bytes) };
  } catch {
    return undefined;
  }
}

interface Entry {
  sha256: string;
  file: string;
  root: string;
  parsed: ParsedText;
  /** The load that used it last. */
  generation: number;
}

export class ManifestCache {
  #entries = new Map<string, Entry>();
  #generation = 0;
  #checks = new WeakMap<ManifestDocument, unknown>();
  #imports = new Map<string, ImportEntry>();
  /** Files parsed and reused, and OpenAPI imports run and reused, by the loads so far (tests, benches). */
  readonly stats = { parsed: 0, reused: 0, imported: 0, importsReused: 0 };
  /** Users and Roles resolved from the documents handed out here (resolve/memo.ts). */
  readonly resolutions = new ResolutionMemo();

  /** Starts a load: what it does not use is dropped by `sweep`. */
  startLoad(): void {
    this.#generation++;
  }

  /** Drops the files the current load did not read (deleted or renamed since, or outside it now). */
  sweep(): void {
    for (const [abs, entry] of this.#entries) {
      if (entry.generation !== this.#generation) this.#entries.delete(abs);
    }
    for (const [key, entry] of this.#imports) {
      if (entry.generation !== this.#generation) this.#imports.delete(key);
    }
  }

  /**
   * An OpenAPI import of `abs`: the earlier result when the spec is still the same file (by its real
   * path, so a symlink turned elsewhere is judged again) with the same bytes. Only a spec that reads no
   * other file is kept (the import hashes exactly the bytes it read of the spec itself, not of what its
   * `$ref`s pull in), and a failed import is never kept: both run again.
   */
  async importSpec(
    abs: string,
    options: ImportOptions,
    run: (abs: string, options: ImportOptions) => Promise<SpecImport>,
  ): Promise<SpecImport> {
    const key = [abs, options.root, ...[...(options.manualScopes ?? [])].sort()].join("\0");
    const entry = this.#imports.get(key);
    // Only a kept import needs the bytes read now, to compare; without one, the import reads and hashes
    // them itself, and its real path is all that is kept beside its result.
    const now = entry ? await readNow(abs) : undefined;
    if (entry && now && now.real === entry.real && now.sha256 === entry.result.file.sha256) {
      entry.generation = this.#generation;
      this.stats.importsReused++;
      return entry.result;
    }
    const real = now?.real ?? (await realpath(abs).catch(() => undefined));
    this.stats.imported++;
    const result = await run(abs, options);
    if (real !== undefined && result.filesRead.length === 1 && result.filesRead[0] === abs) {
      deepFreeze(result);
      this.#imports.set(key, { real, result, generation: this.#generation });
    } else {
      this.#imports.delete(key);
    }
    return result;
  }

  /** The parse of `text` at `origin`: remembered when the same bytes were parsed there before. */
  parse(text: string, origin: Origin, parse: () => ParsedText): ParsedText {
    const sha256 = sha256Hex(text);
    const entry = this.#entries.get(origin.abs);
    if (entry && entry.sha256 === sha256 && entry.file === origin.file && entry.root === origin.root) {
      entry.generation = this.#generation;
      this.stats.reused++;
      return entry.parsed;
    }
    const parsed = parse();
    // Shared by every later load: frozen, so that a stage that changed a value would fail loudly in its
    // first load instead of changing what the next load sees.
    for (const doc of parsed.documents) deepFreeze(doc.value);
    this.#entries.set(origin.abs, {
      sha256,
      file: origin.file,
      root: origin.root,
      parsed,
      generation: this.#generation,
    });
    this.stats.parsed++;
    return parsed;
  }

  /** A document's schema check, made once per document object. */
  check<T>(doc: ManifestDocument, make: () => T): T {
    if (this.#checks.has(doc)) return this.#checks.get(doc) as T;
    const result = make();
    this.#checks.set(doc, result);
    return result;
  }
}
