/**
 * Several scopectl processes following one branch into one store, for the sync leadership tests: each
 * runs the real CLI (`scopectl sync` or `scopectl serve --sync-repo`) with its own clone folder, the
 * store named by SCOPECTL_STORE (never argv: a PostgreSQL URL carries its password), JSON logs at info
 * on stdout. What each printed is kept, so that a test can read who applied what, and a leader is found
 * by the process id in its holder name (`host:pid`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { TestContext } from "node:test";
import type { Store } from "../../src/store/store.ts";
import { CLI_ARGV, REPO_ROOT } from "./cli.ts";
import type { GitRemote } from "./git-remote.ts";

export interface SyncProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** The JSON log lines with this message (`msg`). */
  logged(message: string): Record<string, unknown>[];
  alive(): boolean;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `scopectl <args>` with SCOPECTL_STORE=`store`; killed (SIGTERM, then SIGKILL after 15 s)
 * after the test.
 */
export function startScopectl(
  t: TestContext,
  name: string,
  args: readonly string[],
  store: string,
  env: NodeJS.ProcessEnv = {},
): SyncProcess {
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NO_COLOR: "1",
      SCOPECTL_STORE: store,
      SCOPECTL_LOG_LEVEL: "info",
      SCOPECTL_LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async (signal: NodeJS.Signals) => {
    if (!alive()) return;
    const exited = once(child, "exit");
    child.kill(signal);
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  };
  t.after(() => stop("SIGTERM"));
  return {
    name,
    child,
    pid: child.pid ?? 0,
    output: () => text,
    logged: (message) =>
      text
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return {};
          }
        })
        .filter((entry) => entry.msg === message),
    alive,
    kill: () => stop("SIGKILL"),
  };
}

/** The options that make a process follow `remote` into its own clone folder, fetching every second. */
export const syncArgs = (remote: GitRemote, name: string, prefix: "" | "sync-" = ""): string[] => [
  `--${prefix}repo`,
  remote.remote,
  `--${prefix}interval`,
  "1s",
  `--${prefix}clone-dir`,
  `${remote.cloneDir}-${name}`,
];

/** The process whose pid the store's leader names, if any. */
export async function leaderOf(
  store: Store,
  processes: readonly SyncProcess[],
): Promise<SyncProcess | undefined> {
  const leader = await store.syncLeader();
  if (!leader) return undefined;
  const pid = Number(leader.holder.slice(leader.holder.lastIndexOf(":") + 1));
  return processes.find((p) => p.pid === pid);
}

/**
 * Every revision the sync loop made, as [revision, commit sha], oldest first, checked whole: each audit
 * row of a revision carries that revision's commit.
 */
export async function syncRevisions(store: Store): Promise<[number, string][]> {
  const revisions = (await store.revisions(1000)).filter((r) => r.actor === "scopectl sync");
  const out: [number, string][] = [];
  for (const revision of revisions.reverse()) {
    const sha = revision.commit?.sha ?? "";
    for (const row of await store.audit(revision.revision)) {
      if (row.commit !== sha) {
        throw new Error(`revision ${revision.revision} (${sha}) has an audit row of commit ${row.commit}`);
      }
    }
    out.push([revision.revision, sha]);
  }
  return out;
}
