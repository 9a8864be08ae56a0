/**
 * Parsed manifest files by content, for the processes that load the same folder again and again (`up`'s
 * watcher, the sync loop): a commit that changes one file parses one file. Every file is still read
 * (reading is cheap; parsing is not), and its text is hashed: a file is reused only when its bytes, its
 * name and its folder are what they were, so a hit gives exactly what a parse would. What depends on
 * more than one file (overlays, references, the OpenAPI imports) is never cached here.
 *
 * Also remembered per document: its schema check (validate/), keyed by the document object, which a
 * hit hands out again. A load keeps what it used and drops the rest (`sweep`), so the cache holds one
 * folder's worth of files, whatever the history of edits.
 */
import { createHash } from "node:crypto";
import type { ManifestDocument, Place } from "./documents.ts";
import type { ParsedText } from "./parse.ts";

type Origin = Omit<Place, "line" | "column">;

interface Entry {
  sha256: string;
  file: string;
  root: string;
  parsed: ParsedText;
  /** The load that used it last. */
  generation: number;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export class ManifestCache {
  #entries = new Map<string, Entry>();
  #generation = 0;
  #checks = new WeakMap<ManifestDocument, unknown>();
  /** Files parsed and files reused by the loads so far, for tests and the benches. */
  readonly stats = { parsed: 0, reused: 0 };

  /** Starts a load: what it does not use is dropped by `sweep`. */
  startLoad(): void {
    this.#generation++;
  }

  /** Drops the files the current load did not read (deleted or renamed since, or outside it now). */
  sweep(): void {
    for (const [abs, entry] of this.#entries) {
      if (entry.generation !== this.#generation) this.#entries.delete(abs);
    }
  }

  /** The parse of `text` at `origin`: remembered when the same bytes were parsed there before. */
  parse(text: string, origin: Origin, parse: () => ParsedText): ParsedText {
    const sha256 = createHash("sha256").update(text).digest("hex");
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
