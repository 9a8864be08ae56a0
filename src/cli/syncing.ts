/**
 * What `sync` and `serve --sync-repo` share: the sync options, checked before anything is opened, and
 * starting the loop with its clone, signature check and secrets file.
 */
import { createHash } from "node:crypto";
import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import ms from "ms";
import { ScopectlError } from "../core/errors.ts";
import { checkAllowedSignersFile } from "../gitops/allowed-signers.ts";
import { type GitCredentials, splitCredentials } from "../gitops/credentials.ts";
import { GitMirror } from "../gitops/mirror.ts";
import { verifyCommitSignature } from "../gitops/signatures.ts";
import { type SecretsSink, SyncLoop } from "../gitops/sync.ts";
import type { Logger } from "../server/logger.ts";
import type { Store } from "../store/store.ts";
import { SYNC_REPO_ENV } from "./options.ts";
import { SecretsFile } from "./secrets-file.ts";

export interface SyncSettings {
  /** The repository URL or path, without credentials: what is logged, stored and served. */
  repo: string;
  /** The userinfo of an http(s) `--repo` URL: given to git only (gitops/credentials.ts). */
  credentials?: GitCredentials;
  /** `--repo` as given, with credentials: only to find the clone an earlier version made (defaultCloneDir). */
  repoAsGiven?: string;
  branch: string;
  /** The manifest folder inside the repository. */
  path: string;
  intervalMs: number;
  selfHeal: boolean;
  /** An allowed-signers file: only commits signed by one of its keys are applied. */
  requireSigned?: string;
  /** Where the loop keeps its clone (default: beside the store). */
  cloneDir?: string;
  /** Generated secrets are appended here (secrets-file.ts), one JSON line each; else only their ids are logged. */
  secretsOut?: string;
}

export interface RawSyncOptions {
  repo: string;
  branch: string;
  path: string;
  interval: string;
  selfHeal?: boolean;
  requireSigned?: string;
  cloneDir?: string;
  secretsOut?: string;
}

/** `30s`, `5m`, `500ms`, or a number of seconds; at least a second. */
function parseInterval(value: string, option: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) * 1000 : ms(value as ms.StringValue);
  if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 1000) {
    throw new ScopectlError(
      "option.invalid",
      `${option} must be a duration of at least a second such as 30s or 5m, not "${value}"`,
    );
  }
  return parsed;
}

/** Checks the options (flag names given by the caller, e.g. `--sync-branch`) into settings. */
export async function checkSyncOptions(
  options: RawSyncOptions,
  flag: (name: string) => string,
): Promise<SyncSettings> {
  // Read (by commander) by now: git and any other child of this process need not inherit the token.
  delete process.env[SYNC_REPO_ENV];
  if (!options.repo.trim()) {
    throw new ScopectlError(
      "option.invalid",
      `${flag("repo")} (or ${SYNC_REPO_ENV}) must name a git repository (a URL or a path)`,
    );
  }
  let repo: { url: string; credentials?: GitCredentials };
  try {
    repo = splitCredentials(options.repo.trim());
  } catch (error) {
    throw new ScopectlError("git.credentials", `${flag("repo")}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (
    !/^[A-Za-z0-9._/-]+$/.test(options.branch) ||
    options.branch.startsWith("-") ||
    options.branch.includes("..")
  ) {
    throw new ScopectlError(
      "option.invalid",
      `${flag("branch")} must be a branch name, not "${options.branch}"`,
    );
  }
  const folder = path.posix.normalize(options.path.replaceAll("\\", "/"));
  if (path.posix.isAbsolute(folder) || folder.startsWith("..")) {
    throw new ScopectlError(
      "option.invalid",
      `${flag("path")} must be a folder inside the repository, not "${options.path}"`,
    );
  }
  if (options.requireSigned !== undefined) await checkAllowedSignersFile(options.requireSigned);
  // A local repository path is cloned by its absolute path, so that the clone works from any folder.
  const looksLocal = !/^[a-z+]+:\/\//i.test(repo.url) && !/^[^/]+@[^:]+:/.test(repo.url);
  return {
    repo: looksLocal ? path.resolve(repo.url) : repo.url,
    ...(repo.credentials ? { credentials: repo.credentials, repoAsGiven: options.repo } : {}),
    branch: options.branch,
    path: folder,
    intervalMs: parseInterval(options.interval, flag("interval")),
    selfHeal: options.selfHeal ?? false,
    ...(options.requireSigned !== undefined ? { requireSigned: path.resolve(options.requireSigned) } : {}),
    ...(options.cloneDir !== undefined ? { cloneDir: path.resolve(options.cloneDir) } : {}),
    ...(options.secretsOut !== undefined ? { secretsOut: path.resolve(options.secretsOut) } : {}),
  };
}

/** The clone's default place: `<store folder>/sync/<hash of repo and branch>`. */
function defaultCloneDir(storeFolder: string, settings: SyncSettings): string {
  const dir = (repo: string) =>
    path.join(
      path.resolve(storeFolder),
      "sync",
      createHash("sha256").update(`${repo}\u0000${settings.branch}`).digest("hex").slice(0, 16),
    );
  const clone = dir(settings.repo);
  // Earlier versions hashed the URL with its credentials, and that clone keeps them in .git/config:
  // move it here, where GitMirror.open() takes them out, rather than leave a token behind on disk.
  if (settings.repoAsGiven !== undefined && !existsSync(clone)) {
    const legacy = dir(settings.repoAsGiven);
    if (existsSync(legacy)) renameSync(legacy, clone);
  }
  return clone;
}

/**
 * Where the loop's generated secrets go, opened before each apply: the --secrets-out file (appended,
 * one JSON line each; see secrets-file.ts for its rules), else only their ids, in the log.
 */
function secretsSink(settings: SyncSettings, logger: Logger): () => Promise<SecretsSink> {
  const file = settings.secretsOut;
  if (file === undefined) {
    return async () => ({
      // Never the values: logs are not a place for secrets.
      write: async (secrets, commit) =>
        logger.warn(
          { ids: secrets.map((s) => `${s.kind} ${s.id}`), commit },
          "sync: secrets were generated but not shown; pass --secrets-out, or give applications `secret: {fromEnv: ...}`",
        ),
      close: async () => {},
    });
  }
  return async () => {
    const out = await SecretsFile.open(file, "append");
    return {
      write: async (secrets, commit) => {
        await out.write(secrets.map((s) => `${JSON.stringify({ ...s, commit })}\n`).join(""));
        logger.info({ count: secrets.length, file }, "sync: new secrets written");
      },
      close: () => out.close(),
    };
  };
}

export function createSyncLoop(
  store: Store,
  /** The folder beside the store (reconcile.ts storeFolder): the clone's default parent. */
  storeFolder: string,
  settings: SyncSettings,
  logger: Logger,
): SyncLoop {
  const mirror = new GitMirror(
    settings.repo,
    settings.branch,
    settings.cloneDir ?? defaultCloneDir(storeFolder, settings),
    settings.credentials,
  );
  const signers = settings.requireSigned;
  return new SyncLoop({
    store,
    mirror,
    path: settings.path,
    selfHeal: settings.selfHeal,
    logger,
    ...(signers
      ? {
          verifyCommit: async (sha: string) => {
            const check = await verifyCommitSignature(mirror.dir, sha, signers);
            return check.ok ? undefined : (check.reason ?? "the commit's signature is not valid");
          },
        }
      : {}),
    openSecrets: secretsSink(settings, logger),
  });
}
