/**
 * A real PostgreSQL server for the tests: Debian's `postgresql` package (`npm run setup:tools` installs
 * it), started as a throwaway cluster in a temp folder, listening on a free loopback port only (no Unix
 * socket outside the folder), with password authentication, so that the tests exercise what production
 * does: a URL with a password that must never be printed. When the tests run as root, the cluster runs
 * as the `postgres` OS user (PostgreSQL refuses to run as root). Durability settings are off (fsync,
 * synchronous_commit): the tests kill clients, never the machine, and the bench starts its own cluster
 * with the defaults.
 *
 * One cluster per test file (`postgresForFile`), one fresh database per call of its `database()`, so
 * that tests stay apart without paying for a cluster each.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./net.ts";

const run = promisify(execFile);

export const POSTGRES_USER = "scopectl";
/** The test clusters' password: what the redaction tests look for in output. */
export const POSTGRES_PASSWORD = "pg-test-secret-Zq7";

/** The folder of Debian's PostgreSQL binaries (the newest installed major version), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], "bin");
}

function requireBinDir(): string {
  const dir = postgresBinDir();
  if (!dir) {
    throw new Error(
      "PostgreSQL is not installed: run `npm run setup:tools` (it installs Debian's postgresql package)",
    );
  }
  return dir;
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root. */
async function runPg(binDir: string, tool: string, args: string[]): Promise<void> {
  const binary = path.join(binDir, tool);
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, args];
  try {
    await run(file, argv, { timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args[0] ?? ""} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

export interface PostgresCluster {
  readonly port: number;
  readonly dataDir: string;
  /** The URL of one database of the cluster (with the password in it). */
  url(database: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  database(): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again, on the same port. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
}

let databases = 0;

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's durability defaults (fsync, synchronous_commit, full_page_writes on): what the
   * bench measures against, since production runs so. Tests turn them off (default false).
   */
  durable?: boolean;
}

/** Starts a throwaway cluster; the caller must destroy() it. */
export async function startPostgres(settings: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const binDir = requireBinDir();
  const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-pg-"));
  const dataDir = path.join(root, "data");
  const pwfile = path.join(root, "pwfile");
  const log = path.join(root, "server.log");
  await writeFile(pwfile, `${POSTGRES_PASSWORD}\n`, { mode: 0o600 });
  if (asRoot) {
    const { uid, gid } = postgresIds();
    await chown(root, uid, gid);
    await chown(pwfile, uid, gid);
  }
  await chmod(root, 0o700);
  const port = await freePort();
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-c port=${port}`,
    `-c unix_socket_directories=${root}`,
    ...(settings.durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    "-c max_connections=200",
  ].join(" ");
  let started = false;
  const cluster: PostgresCluster = {
    port,
    dataDir,
    url: (database) =>
      `postgres://${POSTGRES_USER}:${encodeURIComponent(POSTGRES_PASSWORD)}@127.0.0.1:${port}/${database}`,
    async database() {
      databases += 1;
      const name = `t${process.pid}_${databases}`;
      const client = new pg.Client({ connectionString: cluster.url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return cluster.url(name);
    },
    async stop() {
      if (!started) return;
      await runPg(binDir, "pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"]);
      started = false;
    },
    async start() {
      if (started) return;
      await runPg(binDir, "pg_ctl", ["start", "-D", dataDir, "-l", log, "-w", "-t", "30", "-o", options]);
      started = true;
    },
    async destroy() {
      try {
        if (started) {
          await runPg(binDir, "pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "30"]);
          started = false;
        }
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await runPg(binDir, "initdb", [
      "-D",
      dataDir,
      "-U",
      POSTGRES_USER,
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    await cluster.start();
    return cluster;
  } catch (error) {
    await cluster.destroy().catch(() => undefined);
    throw error;
  }
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error("running as root, but there is no `postgres` OS user to run the test cluster as");
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The cluster of this test file, started on first use and destroyed after the file's tests: call the
 * returned function for a fresh database's URL.
 */
export function postgresForFile(): {
  database: () => Promise<string>;
  cluster: () => Promise<PostgresCluster>;
} {
  let cluster: Promise<PostgresCluster> | undefined;
  after(async () => {
    if (cluster) await (await cluster).destroy();
  });
  const get = () => {
    cluster ??= startPostgres();
    return cluster;
  };
  return { cluster: get, database: async () => (await get()).database() };
}
