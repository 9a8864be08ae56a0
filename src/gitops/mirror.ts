/**
 * The sync loop's own clone of the tracked repository (simple-git): fetched, never pushed, checked out
 * at one commit at a time. The clone is scopectl's, so a forced checkout and a clean are safe: nothing
 * a person wrote lives there.
 */
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import type { CommitInfo } from "../model/resources.ts";

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

export class GitMirror {
  #git: SimpleGit | undefined;

  constructor(
    /** A URL or a local path, as `git clone` takes it. */
    readonly url: string,
    readonly branch: string,
    /** Where the clone lives (made on first use). */
    readonly dir: string,
  ) {}

  /** Clones on first use; an existing clone of another repository is refused rather than reused. */
  async open(): Promise<SimpleGit> {
    if (this.#git) return this.#git;
    if (await exists(path.join(this.dir, ".git"))) {
      const git = simpleGit({ baseDir: this.dir });
      const origin = (await git.remote(["get-url", "origin"]))?.trim();
      if (origin !== this.url) {
        throw new Error(
          `${this.dir} is a clone of ${origin}, not of ${this.url}; remove it or choose another folder`,
        );
      }
      this.#git = git;
      return git;
    }
    await mkdir(path.dirname(this.dir), { recursive: true });
    try {
      await simpleGit().clone(this.url, this.dir, [
        "--no-checkout",
        "--branch",
        this.branch,
        "--single-branch",
      ]);
    } catch (error) {
      throw new Error(`cannot clone ${this.url} (branch ${this.branch}): ${firstLine(error)}`, {
        cause: error,
      });
    }
    this.#git = simpleGit({ baseDir: this.dir });
    return this.#git;
  }

  /** Fetches the branch (a rewritten history too) and returns its head. */
  async fetch(): Promise<string> {
    const git = await this.open();
    try {
      await git.raw([
        "fetch",
        "--force",
        "--prune",
        "origin",
        `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`,
      ]);
    } catch (error) {
      throw new Error(`cannot fetch ${this.branch} from ${this.url}: ${firstLine(error)}`, { cause: error });
    }
    return (await git.revparse([`refs/remotes/origin/${this.branch}`])).trim();
  }

  /** Is `sha` a commit of this clone that `head` descends from (or is)? */
  async isAncestor(sha: string, head: string): Promise<boolean> {
    const git = await this.open();
    // Not `merge-base --is-ancestor`: it answers by exit code alone, which simple-git does not report.
    try {
      const base = (await git.raw(["merge-base", sha, head])).trim();
      return base === sha;
    } catch {
      return false; // no such commit here (a rewritten history dropped it)
    }
  }

  /** The commits after `from` up to `head`, oldest first, along the branch's first parents. */
  async commitsAfter(from: string, head: string): Promise<string[]> {
    const git = await this.open();
    const out = await git.raw(["rev-list", "--reverse", "--first-parent", `${from}..${head}`]);
    return out.split("\n").filter((line) => line !== "");
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const git = await this.open();
    const out = await git.raw(["show", "-s", "--format=%H%x00%an <%ae>%x00%s", sha]);
    const [hash = sha, author = "", subject = ""] = out.trim().split("\u0000");
    return { sha: hash, author, subject, dirty: false };
  }

  /** Makes the working tree exactly `sha`'s tree. */
  async checkout(sha: string): Promise<void> {
    const git = await this.open();
    await git.raw(["checkout", "--force", "--detach", sha]);
    await git.raw(["clean", "-ffdqx"]);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split("\n")[0] ?? "";
}
