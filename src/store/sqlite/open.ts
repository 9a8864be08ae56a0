/**
 * Opening the embedded store: where its file is, the two better-sqlite3 connections and their pragmas,
 * and the migrations run before anything else touches the file.
 *
 * Durability. `synchronous = FULL`: the WAL is fsynced at every commit, so a committed apply survives a
 * power cut too. `NORMAL` would already make every commit survive a crash of the process (SIGKILL, OOM):
 * in WAL mode a commit is written to the WAL before COMMIT returns and the OS keeps it when the process
 * dies; what NORMAL gives up is the last commits on power loss or a kernel crash (they roll back, the file
 * stays consistent). We pay the one fsync per apply because an apply shows generated secrets once: an
 * apply reported as done must not come undone. Applies are few and large, so the cost is one fsync per
 * apply, not per row. Sign-in writes (grants, codes, refresh tokens) are the exception: they run with
 * `NORMAL` (see `SqliteDatabase.writeRuntimeState`).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Store } from "../store.ts";
import { busyTimeoutPragma, SqliteDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { SqliteStore } from "./store.ts";

export interface SqliteStoreOptions {
  /** How long a transaction waits for another process's write lock before it gives up (default 5000). */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The store file: `$SCOPECTL_STORE` (relative to `cwd`) when set, else `<cwd>/.scopectl/store.db`. */
export function defaultStorePath(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SCOPECTL_STORE;
  return fromEnv ? path.resolve(cwd, fromEnv) : path.join(cwd, ".scopectl", "store.db");
}

/** Opens (creating it and its folder if needed) and migrates the SQLite store at `file`. */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const resolved = path.resolve(file);
  mkdirSync(path.dirname(resolved), { recursive: true });
  const writer = openConnection(resolved, busyTimeoutMs);
  let reader: Database.Database | undefined;
  try {
    migrate(writer, resolved);
    reader = openConnection(resolved, busyTimeoutMs);
    reader.pragma("query_only = ON");
    return new SqliteStore(new SqliteDatabase(resolved, writer, reader, busyTimeoutMs));
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
}

function openConnection(file: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new Error(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma(busyTimeoutPragma(busyTimeoutMs));
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`the file system refused WAL mode (journal_mode is ${String(mode)})`);
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // A large apply grows the WAL; once checkpointed, truncate it back to at most 64 MiB.
    db.pragma("journal_size_limit = 67108864");
    // No checkpoint inside a COMMIT: SqliteDatabase checkpoints on a timer instead (see there).
    db.pragma("wal_autocheckpoint = 0");
    return db;
  } catch (error) {
    db.close();
    if (error instanceof Error && /file is not a database|file is encrypted/i.test(error.message)) {
      throw new Error(`cannot open the store ${file}: it is not an SQLite database`, { cause: error });
    }
    throw new Error(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
}
