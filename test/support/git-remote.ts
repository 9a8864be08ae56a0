/**
 * A tracked branch as users have one: a bare repository (the remote) and a working clone that commits
 * and pushes to it, both real git in a temp folder. The sync loop clones the bare repository.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { type GitTenant, gitTenant } from "./git-tenant.ts";

export interface GitRemote extends GitTenant {
  /** The bare repository's path: what `scopectl sync --repo` takes. */
  remote: string;
  /** Commits everything and pushes; returns the new commit. */
  push(subject: string): string;
  /** Pushes with --force (after a reset that rewrote history). */
  forcePush(): void;
  /** Where a sync loop may keep its clone. */
  cloneDir: string;
}

export async function gitRemote(t: TestContext, from?: string): Promise<GitRemote> {
  const tenant = await gitTenant(t, from);
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-remote-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const remote = path.join(dir, "remote.git");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote]);
  tenant.git("remote", "add", "origin", remote);
  tenant.git("push", "-q", "origin", "main");
  return {
    ...tenant,
    remote,
    cloneDir: path.join(dir, "clone"),
    push(subject) {
      const sha = tenant.commit(subject);
      tenant.git("push", "-q", "origin", "main");
      return sha;
    },
    forcePush() {
      tenant.git("push", "-q", "--force", "origin", "main");
    },
  };
}
