/**
 * The commit a plan or an apply comes from: the HEAD of the git repository that holds the manifest
 * folder, and whether that folder has uncommitted changes (a dirty apply would record a commit that
 * does not contain what was applied).
 */
import path from "node:path";
import { simpleGit } from "simple-git";
import type { CommitInfo } from "../model/resources.ts";

/** The folder's commit, or undefined when the folder is not inside a git work tree (or has no commit). */
export async function commitOf(folder: string): Promise<CommitInfo | undefined> {
  const git = simpleGit({ baseDir: path.resolve(folder) });
  let inside: boolean;
  try {
    inside = await git.checkIsRepo();
  } catch {
    return undefined;
  }
  if (!inside) return undefined;
  try {
    const log = await git.log({ maxCount: 1 });
    const head = log.latest;
    if (!head) return undefined;
    // Only changes under the manifest folder make the apply differ from the commit.
    const status = await git.raw(["status", "--porcelain", "--untracked-files=all", "--", "."]);
    return {
      sha: head.hash,
      author: `${head.author_name} <${head.author_email}>`,
      subject: head.message,
      dirty: status.trim().length > 0,
    };
  } catch {
    // A repository without any commit yet.
    return undefined;
  }
}
