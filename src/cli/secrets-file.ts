/**
 * The file generated secrets go to (`apply --secrets-out`, `sync --secrets-out`, `serve
 * --sync-secrets-out`). A generated secret is shown nowhere else, so the file is opened and checked
 * BEFORE the apply that makes the secrets: a file that cannot take them stops the apply, instead of the
 * apply succeeding and the secrets being lost.
 *
 * Rules, checked on the open file descriptor (no race between a check and the write):
 * - never through a symbolic link (O_NOFOLLOW, and lstat for a clear message): a link planted where
 *   the secrets go would send them elsewhere;
 * - a regular file, owned by the user scopectl runs as, with one name (a hard link is another name
 *   for the same file, perhaps in a folder others can read, that would receive every new secret);
 * - mode 0600: a new file is created so; an existing one that the group or others may read or write is
 *   refused rather than tightened (a reader may already hold it open);
 * - `create` (apply): a new file only, never an existing one overwritten; `append` (sync): appended.
 *
 * Symbolic links in the folders above the file are followed, as every tool does: home folders and
 * mounted volumes often are one (/home -> /data/home), and a folder link can only be made by someone
 * who may write in the folder holding it, who could as well move the folder. The file's own name is
 * what a stranger could plant in a shared folder, so it is the one that must not be a link.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, unlink } from "node:fs/promises";
import { ScopectlError } from "../core/errors.ts";

export type SecretsFileMode = "create" | "append";

export class SecretsFileError extends ScopectlError {
  static readonly code = "secrets-file.refused";
  declare readonly code: typeof SecretsFileError.code;

  constructor(message: string) {
    super(SecretsFileError.code, message);
    this.name = "SecretsFileError";
  }
}

const mode = (stats: Stats) => (stats.mode & 0o777).toString(8).padStart(4, "0");

function refuseUnsafe(file: string, stats: Stats): void {
  if (stats.isSymbolicLink()) {
    throw new SecretsFileError(
      `${file} is a symbolic link; secrets are not written through a link: name the file itself`,
    );
  }
  if (!stats.isFile()) throw new SecretsFileError(`${file} is not a regular file`);
  if (stats.nlink > 1) {
    throw new SecretsFileError(
      `${file} has ${stats.nlink} hard links, so the secrets would be readable under another name too; name a file of its own`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new SecretsFileError(`${file} belongs to another user (uid ${stats.uid}); name a file of your own`);
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new SecretsFileError(
      `${file} is readable or writable by others (mode ${mode(stats)}); chmod 600 it, or name a new file`,
    );
  }
}

const exists = (file: string) =>
  new SecretsFileError(
    `${file} already exists; apply --secrets-out never overwrites a secrets file: move it away or name a new file`,
  );

/**
 * Opens for writing without following a link: a new file exclusively (mode 0600), or an existing one
 * for appending. Throws a SecretsFileError for what the user must fix, else the raw error (EEXIST,
 * ENOENT: the file came or went) for the caller to retry.
 */
async function openFile(file: string, which: "new" | "existing"): Promise<FileHandle> {
  const flags =
    constants.O_WRONLY |
    constants.O_NOFOLLOW |
    // A FIFO without a reader must not block the apply: the open fails (and a FIFO is refused anyway).
    constants.O_NONBLOCK |
    (which === "new" ? constants.O_CREAT | constants.O_EXCL : constants.O_APPEND);
  try {
    return await open(file, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") refuseUnsafe(file, await lstat(file));
    if (which === "new" && code === "EEXIST") throw error;
    if (which === "existing" && code === "ENOENT") throw error;
    const reason =
      code === "ENOENT"
        ? "its folder does not exist"
        : (error as Error).message.replace(/^\w+: /, "").replace(/, open '.*'$/, "");
    throw new SecretsFileError(`cannot write secrets to ${file}: ${reason}`);
  }
}

export class SecretsFile {
  readonly #handle: FileHandle;
  readonly #created: boolean;
  #written = false;

  private constructor(
    readonly path: string,
    handle: FileHandle,
    created: boolean,
  ) {
    this.#handle = handle;
    this.#created = created;
  }

  /** Opens (and, as the mode says, creates) `file`; throws a SecretsFileError naming it. */
  static async open(file: string, how: SecretsFileMode): Promise<SecretsFile> {
    const existing = await lstat(file).catch(() => undefined);
    // Checked here for a clear message (a FIFO would otherwise fail as "no such device"), and again on
    // the open descriptor, which is what counts.
    if (existing?.isSymbolicLink() || (existing && how === "append")) refuseUnsafe(file, existing);
    if (existing && how === "create") throw exists(file);
    // Creating is always exclusive, so `created` is exact: only a file this call made is ever removed.
    let created = existing === undefined;
    const handle = await openFile(file, created ? "new" : "existing").catch(async (error: unknown) => {
      if (error instanceof SecretsFileError) throw error;
      if (how === "create") throw exists(file);
      // It came or went between lstat and open: one more try, the other way round.
      created = !created;
      return openFile(file, created ? "new" : "existing").catch((again: unknown) => {
        throw again instanceof SecretsFileError
          ? again
          : new SecretsFileError(`cannot write secrets to ${file}: it keeps changing`);
      });
    });
    try {
      refuseUnsafe(file, await handle.stat());
    } catch (error) {
      await handle.close();
      if (created) await unlink(file).catch(() => undefined);
      throw error;
    }
    return new SecretsFile(file, handle, created);
  }

  /** Writes `text` (appended in `append` mode) and flushes it to disk: it exists nowhere else. */
  async write(text: string): Promise<void> {
    this.#written = true;
    await this.#handle.writeFile(text);
    await this.#handle.sync();
  }

  /** Closes the file; a file this open created and nothing was written to is removed. */
  async close(): Promise<void> {
    await this.#handle.close();
    if (this.#created && !this.#written) await unlink(this.path).catch(() => undefined);
  }
}
