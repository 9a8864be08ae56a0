/**
 * Following a manifest folder for `scopectl up`: every change below it (edits in place, saves that
 * rename a temp file over the old one, new and deleted files and folders, spec files) schedules one
 * apply once the folder has been quiet for a moment. Node's own recursive `fs.watch` on Linux watches
 * each file's inode, so it goes deaf to a file after its first atomic save; chokidar watches the
 * folders and re-arms on renames.
 */
import path from "node:path";

/** How long the folder must stay quiet before an apply: one editor save or a "save all" is one apply. */
export const QUIET_MS = 250;

export interface Coalescer {
  /** Something changed: apply once things have been quiet for `quietMs`. */
  notify(): void;
  /** Cancels a pending apply and resolves when a running one has finished. */
  close(): Promise<void>;
}

/**
 * Runs `apply` after a burst of notifications settles, one at a time. A notification while an apply
 * runs schedules exactly one more (that apply may have read the files before the change). `apply`
 * reports its own failures: it must not reject.
 */
export function coalesce(apply: () => Promise<void>, quietMs = QUIET_MS): Coalescer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const run = (): void => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = apply().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        schedule();
      }
    });
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(run, quietMs);
  };
  return {
    notify() {
      if (closed) return;
      if (running) again = true;
      else schedule();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** What the manifest loader skips is not watched either: dot-files and dot-folders, node_modules. */
export function isIgnored(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return false;
  return rel.split(path.sep).some((part) => part.startsWith(".") || part === "node_modules");
}

export interface FolderWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` for every change below `root`; `onError` for a watch that failed (the others go on).
 * Resolves once the initial scan is done, so that a change made after it is never missed.
 */
export async function watchFolder(
  root: string,
  onChange: () => void,
  onError: (error: Error) => void,
): Promise<FolderWatcher> {
  // Loaded here, not at the top: `up`'s declaration reads QUIET_MS, and help should not load chokidar.
  const { watch } = await import("chokidar");
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (file) => isIgnored(root, file),
    // A save that deletes and re-creates a file within this window is one `change`, not unlink + add.
    atomic: true,
  });
  watcher.on("all", () => onChange());
  watcher.on("error", (error) => onError(error instanceof Error ? error : new Error(String(error))));
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return { close: () => watcher.close() };
}
