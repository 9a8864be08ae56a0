/**
 * The sync loop's own clone of the tracked repository (simple-git): fetched, never pushed, checked out
 * at one commit at a time. The clone is scopectl's, so a forced checkout and a clean are safe: nothing
 * a person wrote lives there.
 *
 * Credentials. `url` never carries any (credentials.ts splits them off); the two commands that talk to
 * the remote (clone, fetch) run git directly with the credentials in their environment and a credential
 * helper that prints them, so the token is not in any argv (`ps`) nor in .git/config. Without
 * credentials git's own configuration applies: SSH keys, credential helpers. Either way git never
 * prompts (GIT_TERMINAL_PROMPT=0): a loop that nobody watches must fail, not wait for a terminal.
 */
import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { type SimpleGit, simpleGit } from "simple-git";
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import type { CommitInfo } from "../model/resources.ts";
import { type GitCredentials, splitCredentials } from "./credentials.ts";

const execGit = promisify(execFile);

/**
 * The helper git runs for `credential fill` (`get`): it answers from the environment only, and ignores
 * `store`/`erase`, so nothing is written anywhere.
 */
const HELPER =
  '!f() { test "$1" = get && printf \'username=%s\\npassword=%s\\n\' "$SCOPECTL_GIT_USERNAME" "$SCOPECTL_GIT_PASSWORD"; }; f';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

export class GitMirror {
  #git: SimpleGit | undefined;

  readonly #credentials: GitCredentials | undefined;

  constructor(
    /** A URL or a local path, as `git clone` takes it, without credentials. */
    readonly url: string,
    readonly branch: string,
    /** Where the clone lives (made on first use). */
    readonly dir: string,
    /** For an http(s) URL: given to git for this URL's host only, never written. */
    credentials?: GitCredentials,
  ) {
    if (splitCredentials(url).credentials) throw new Error("GitMirror takes the URL without credentials");
    this.#credentials = credentials;
  }

  /** Runs a git command that talks to the remote (clone, fetch); throws git's reason, redacted. */
  async #remote(args: string[], cwd?: string): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
    const config: string[] = [];
    const credentials = this.#credentials;
    if (credentials) {
      env.SCOPECTL_GIT_USERNAME = credentials.username;
      env.SCOPECTL_GIT_PASSWORD = credentials.password;
      // An empty helper first empties the list, so that the user's own helpers neither answer for
      // this URL nor store its token (credential-store would write it to ~/.git-credentials).
      const { origin } = new URL(this.url);
      config.push("-c", "credential.helper=", "-c", `credential.${origin}.helper=${HELPER}`);
    }
    try {
      await execGit("git", [...config, ...args], { env, ...(cwd ? { cwd } : {}), maxBuffer: 16 << 20 });
    } catch (error) {
      throw new ScopectlError("git.remote", gitReason(error), { cause: error });
    }
  }

  /** Clones on first use; an existing clone of another repository is refused rather than reused. */
  async open(): Promise<SimpleGit> {
    if (this.#git) return this.#git;
    if (await exists(path.join(this.dir, ".git"))) {
      const git = simpleGit({ baseDir: this.dir });
      const origin = (await git.remote(["get-url", "origin"]))?.trim() ?? "";
      if (origin !== this.url) {
        // A clone made by an earlier scopectl from a URL with credentials keeps them in .git/config:
        // the same repository, so take them off disk rather than refuse it.
        if (splitCredentials(origin).url !== this.url) {
          throw new ScopectlError(
            "git.mirror",
            `${this.dir} is a clone of ${redactUrls(origin)}, not of ${this.url}; remove it or choose another folder`,
          );
        }
        await git.remote(["set-url", "origin", this.url]);
      }
      this.#git = git;
      return git;
    }
    await mkdir(path.dirname(this.dir), { recursive: true });
    try {
      await this.#remote([
        "clone",
        "--quiet",
        "--no-checkout",
        "--branch",
        this.branch,
        "--single-branch",
        "--",
        this.url,
        this.dir,
      ]);
    } catch (error) {
      throw new ScopectlError(
        "git.remote",
        `cannot clone ${this.url} (branch ${this.branch}): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    this.#git = simpleGit({ baseDir: this.dir });
    return this.#git;
  }

  /** Fetches the branch (a rewritten history too) and returns its head. */
  async fetch(): Promise<string> {
    const git = await this.open();
    try {
      await this.#remote(
        [
          "fetch",
          "--quiet",
          "--force",
          "--prune",
          "origin",
          `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`,
        ],
        this.dir,
      );
    } catch (error) {
      throw new ScopectlError(
        "git.remote",
        `cannot fetch ${this.branch} from ${this.url}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
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

/**
 * git's own reason for a failure, one line: its first `fatal:`/`error:` line (not "Cloning into ..."),
 * else the last line it printed; with the userinfo of any URL in it redacted.
 */
function gitReason(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text =
    typeof stderr === "string" && stderr.trim() ? stderr : String((error as Error).message ?? error);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const reason = lines.find((line) => /^(fatal|error):/.test(line)) ?? lines.at(-1) ?? "git failed";
  return redactUrls(reason.replace(/^(fatal|error):\s*/, ""));
}
