/** A tenant in a real git repository in a temp folder: write manifests, commit, and clean up. */
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { REPO_ROOT } from "./cli.ts";

export interface GitTenant {
  /** The repository (its work tree). */
  repo: string;
  /** The manifest folder inside it. */
  config: string;
  /** A store file outside the repository. */
  store: string;
  write(rel: string, content: string): Promise<void>;
  remove(rel: string): Promise<void>;
  commit(subject: string): string;
  git(...args: string[]): string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: os.tmpdir(),
};

/** A repository whose `config/` starts as a copy of `from` (default: the project's own config/). */
export async function gitTenant(t: TestContext, from = path.join(REPO_ROOT, "config")): Promise<GitTenant> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-git-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = path.join(dir, "repo");
  const config = path.join(repo, "config");
  await mkdir(repo);
  await cp(from, config, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repo, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  const tenant: GitTenant = {
    repo,
    config,
    store: path.join(dir, "store.db"),
    git,
    async write(rel, content) {
      const abs = path.join(config, rel);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, content);
    },
    async remove(rel) {
      await rm(path.join(config, rel), { force: true, recursive: true });
    },
    commit(subject) {
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", subject);
      return git("rev-parse", "HEAD");
    },
  };
  tenant.commit("initial manifests");
  return tenant;
}
