/**
 * What a load read, as digests: every folder it walked with the files it found there, and every file
 * it read with the SHA-256 of what it read. A plan record (engine/plan-record.ts) keeps this, and a
 * later process asks `inputsUnchanged` whether a load now would read exactly the same: the same
 * folders finding the same files, each file at the same real path with the same content. Nothing is
 * parsed to answer, which is the point.
 *
 * A load that read something this ledger cannot vouch for (a spec whose `$ref`s pull in other files,
 * which the import reads but does not hash one by one; a walked file whose content was not read whole)
 * is declined: it gets no record, and the next plan plans in full.
 */
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { sha256Hex } from "../core/secrets.ts";
import { MAX_SPEC_BYTES } from "../openapi/files.ts";
import { findYamlFiles, readYamlFile } from "./files.ts";

/**
 * How a file was read, so that it is read the same way to compare: `text` as a manifest (readYamlFile's
 * text), `bytes` as a spec (the OpenAPI import's bytes).
 */
export type ReadAs = "text" | "bytes";

export interface RecordedInputs {
  /** Every folder walked for manifests (the loaded folder and its Overlay bases), with the files found. */
  folders: Array<{ root: string; files: string[] }>;
  /** Every file read, how, where it really was, and the SHA-256 of what was read. */
  files: Array<{ abs: string; as: ReadAs; real: string; sha256: string }>;
}

export class InputLedger {
  readonly #folders = new Map<string, string[]>();
  readonly #files = new Map<string, { abs: string; as: ReadAs; sha256: string }>();
  #declined: string | undefined;

  /** `root` was walked and these files (absolute, in the walk's order) were found. */
  walked(root: string, files: readonly string[]): void {
    this.#folders.set(root, [...files]);
  }

  /** `abs` was read `as` text or bytes, whose SHA-256 is `sha256`. */
  read(abs: string, as: ReadAs, sha256: string): void {
    this.#files.set(`${as}\0${abs}`, { abs, as, sha256 });
  }

  /** The load read something the ledger cannot vouch for: no record may be made of it. */
  decline(reason: string): void {
    this.#declined ??= reason;
  }

  #recorded: Promise<{ inputs: RecordedInputs } | { declined: string }> | undefined;

  /**
   * What was read, or why it cannot be recorded: asked once the load is done (later reads are not
   * seen), and answered once. Asking early lets the real paths be looked up while the plan computes.
   */
  recorded(): Promise<{ inputs: RecordedInputs } | { declined: string }> {
    this.#recorded ??= this.#record();
    return this.#recorded;
  }

  async #record(): Promise<{ inputs: RecordedInputs } | { declined: string }> {
    if (this.#declined) return { declined: this.#declined };
    const read = new Set([...this.#files.values()].map((f) => f.abs));
    for (const files of this.#folders.values()) {
      const unread = files.find((abs) => !read.has(abs));
      if (unread) return { declined: `${unread} was found but not read whole` };
    }
    try {
      const files = await Promise.all(
        [...this.#files.values()].map(async (f) => ({ ...f, real: await realpath(f.abs) })),
      );
      const folders = [...this.#folders].map(([root, found]) => ({ root, files: found }));
      return { inputs: { folders, files } };
    } catch (error) {
      return { declined: `a file read is gone (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
    }
  }
}

async function digestNow(abs: string, as: ReadAs): Promise<string | undefined> {
  if (as === "bytes") return digestOfSpec(abs);
  const read = await readYamlFile(abs);
  return read.kind === "text" ? sha256Hex(read.text) : undefined;
}

/**
 * The SHA-256 of a spec's bytes, or undefined when the import would refuse to read it: not a regular
 * file (a FIFO would hang the check, /dev/zero would fill memory) or over the spec limit. One open file
 * is checked and read (non-blocking open, so a FIFO swapped in cannot hang it), not a path twice.
 */
async function digestOfSpec(abs: string): Promise<string | undefined> {
  const handle = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SPEC_BYTES) return undefined;
    return sha256Hex(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/**
 * Whether a load now would read exactly what `recorded` says: each folder finds the same files (and no
 * problem), each file is at the same real path with the same digest. Any doubt (a file gone, unreadable)
 * is a no. Stops at the first difference.
 */
export async function inputsUnchanged(recorded: RecordedInputs): Promise<boolean> {
  try {
    for (const folder of recorded.folders) {
      const found = await findYamlFiles(folder.root);
      if (found.diagnostics.length > 0 || !sameList(found.files, folder.files)) return false;
    }
    for (const file of recorded.files) {
      // The real path first: a file now linked elsewhere (outside the folder, to a device) is not read.
      if ((await realpath(file.abs)) !== file.real) return false;
      if ((await digestNow(file.abs, file.as)) !== file.sha256) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The same files, whatever the order (the walk sorts by display name, which the namer decides). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((value, i) => value === sortedB[i]);
}
