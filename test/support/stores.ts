/**
 * The store backends as data, for the store contract suite (issue 14): every behaviour of the `Store`
 * interface (src/store/*.ts) that the reconciler, the token service, sign-in and sync rely on is tested
 * once, in test/store/, and runs on each backend here. A contract file declares its tests inside
 * `forEachStore((backend) => describe(...))`, and each test opens a fresh store with `backend.open()`.
 *
 * - SQLite: a new file in a temp folder of this test file.
 * - PostgreSQL: a fresh database of this test file's throwaway cluster (test/support/postgres.ts), so
 *   that a test costs a `CREATE DATABASE` (tens of milliseconds), never a cluster. The cluster starts on
 *   the first PostgreSQL test of the file and is removed after the file's tests (node --test runs each
 *   file in a process of its own, so this module's cluster and temp folder are that file's).
 *
 * A PostgreSQL location is a URL with the password in it: pass it to openStore or to a child's
 * environment (SCOPECTL_STORE), never to argv, a message or a log.
 *
 * `SCOPECTL_TEST_STORES=sqlite` (or `postgres`) runs one backend only, for a quick local loop; unset,
 * both run.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { type OpenStoreOptions, openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { postgresForFile } from "./postgres.ts";

export type StoreBackendName = "sqlite" | "postgres";

/** A test's own store: closed (with every store reopened on its location) by cleanup(). */
export interface OpenedStore {
  readonly store: Store;
  /** A file path, or a postgres URL with the password in it: never print it. */
  readonly location: string;
  /** Another Store on the same location, as another process (a replica) would open it. */
  reopen(options?: OpenStoreOptions): Promise<Store>;
  /** Closes the store and every reopened one; the location itself goes with the file's cleanup. */
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  readonly name: StoreBackendName;
  /** Whether stores on one location share the failed-authentication limits (SQLite's are per process). */
  readonly sharedLimits: boolean;
  /** A fresh location where no store is yet. */
  newLocation(): Promise<string>;
  /** A new, empty store at a fresh location. */
  open(options?: OpenStoreOptions): Promise<OpenedStore>;
  /**
   * A new, empty store whose database sorts text by a language's rules (ICU en-US on PostgreSQL, as a
   * database created with a production locale would): the store's order must not follow it. SQLite
   * compares text by its bytes unless a column says otherwise, so there it is `open()`.
   */
  openWithLanguageCollation(): Promise<OpenedStore>;
  /** A copy of the store at `location` (every store on it closed) at a fresh location. */
  copy(location: string): Promise<string>;
  /** Removes the store at `location` (every store on it closed, or its process dead and settled). */
  remove(location: string): Promise<void>;
  /**
   * Waits until no process is still working on the store after its client was killed: a PostgreSQL
   * server finishes (commits or rolls back) what a killed client had sent before it notices the client
   * is gone, so a state read sooner could see a commit land between two reads. SQLite: nothing to wait for.
   */
  settle(location: string): Promise<void>;
  /**
   * Runs one SQL statement on the store's database with a connection of its own; rows as arrays. Only
   * for what the Store has no read for (what pruning left in a table); the statement must mean the same
   * on both databases (the two schemas name their tables and columns alike).
   */
  sql(location: string, statement: string): Promise<unknown[][]>;
}

/** Per-test timeout of the store tests: a hang guard on a busy two-core machine, not a speed target. */
export const STORE_TEST_TIMEOUT_MS = 120_000;

/** A test's handle on `store` (open at `location`), which closes it and the stores reopened there. */
function opened(store: Store, location: string): OpenedStore {
  const stores = [store];
  return {
    store,
    location,
    async reopen(options) {
      const again = await openStore(location, options);
      stores.push(again);
      return again;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

function sqliteBackend(): StoreBackend {
  let dir: Promise<string> | undefined;
  let files = 0;
  after(async () => {
    if (dir) await rm(await dir, { recursive: true, force: true });
  });
  const newLocation = async () => {
    dir ??= mkdtemp(path.join(os.tmpdir(), "scopectl-stores-"));
    files += 1;
    const name = `store-${files}.db`; // taken before the await: concurrent callers get names of their own
    return path.join(await dir, name);
  };
  const open = async (options?: OpenStoreOptions) => {
    const location = await newLocation();
    return opened(await openStore(location, options), location);
  };
  return {
    name: "sqlite",
    sharedLimits: false,
    newLocation,
    open,
    openWithLanguageCollation: () => open(),
    async copy(location) {
      const copy = await newLocation();
      // Every store on the file is closed: the last close checkpointed the WAL into the file.
      await copyFile(location, copy);
      return copy;
    },
    async remove(location) {
      for (const suffix of ["", "-wal", "-shm"]) await rm(`${location}${suffix}`, { force: true });
    },
    async settle() {},
    async sql(location, statement) {
      const db = new Database(location);
      try {
        db.pragma("foreign_keys = ON");
        const prepared = db.prepare(statement);
        if (!prepared.reader) {
          prepared.run();
          return [];
        }
        return prepared.raw().all() as unknown[][];
      } finally {
        db.close();
      }
    },
  };
}

function postgresBackend(): StoreBackend {
  const postgres = postgresForFile();
  /** Databases this backend makes itself (copies, other collations), named apart from postgres.ts's. */
  let made = 0;
  const databaseOf = (location: string) => decodeURIComponent(new URL(location).pathname.slice(1));
  /** Runs `fn` with a client on the cluster's maintenance database (for CREATE and DROP DATABASE). */
  const onCluster = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: (await postgres.cluster()).url("postgres") });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  /** Creates a database named after `prefix`, with `clause` (TEMPLATE …, LOCALE …); its URL. */
  const create = async (prefix: string, clause: string): Promise<string> => {
    made += 1;
    const name = `${prefix}${process.pid}_${made}`;
    await onCluster((client) => client.query(`CREATE DATABASE ${name} ${clause}`));
    return (await postgres.cluster()).url(name);
  };
  /**
   * An empty database the store has migrated once, that open() copies: a copy costs a CREATE DATABASE,
   * where migrating each test's database anew would cost that and the migrations' statements again.
   * (Migrating an empty database is tested where a test opens newLocation(), and in postgres.test.ts.)
   */
  let migrated: Promise<string> | undefined;
  const migratedTemplate = () => {
    migrated ??= (async () => {
      const location = await postgres.database();
      await (await openStore(location)).close();
      return pg.escapeIdentifier(databaseOf(location));
    })();
    return migrated;
  };
  return {
    name: "postgres",
    sharedLimits: true,
    newLocation: () => postgres.database(),
    async open(options) {
      const location = await create("store", `TEMPLATE ${await migratedTemplate()}`);
      return opened(await openStore(location, options), location);
    },
    async openWithLanguageCollation() {
      const location = await create(
        "lang",
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'",
      );
      return opened(await openStore(location), location);
    },
    copy: async (location) => create("copy", `TEMPLATE ${pg.escapeIdentifier(databaseOf(location))}`),
    async remove(location) {
      await onCluster((client) =>
        client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseOf(location))} WITH (FORCE)`),
      );
    },
    async settle(location) {
      const database = databaseOf(location);
      await onCluster(async (client) => {
        // Bounded: a server that never lets go of a dead client's session fails the test, naming it.
        for (let attempt = 0; attempt < 600; attempt++) {
          const { rows } = await client.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1",
            [database],
          );
          if (Number(rows[0]?.n) === 0) return;
          await sleep(50);
        }
        throw new Error(`sessions on database ${database} outlived their killed client by 30 s`);
      });
    },
    async sql(location, statement) {
      const client = new pg.Client({ connectionString: location });
      await client.connect();
      try {
        const result = await client.query({ text: statement, rowMode: "array" });
        return result.rows as unknown[][];
      } finally {
        await client.end();
      }
    },
  };
}

function selected(): StoreBackendName[] {
  const wanted = process.env.SCOPECTL_TEST_STORES;
  const all: StoreBackendName[] = ["sqlite", "postgres"];
  if (!wanted) return all;
  const names = wanted.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!all.includes(name as StoreBackendName)) {
      throw new Error(`SCOPECTL_TEST_STORES names "${name}": the store backends are ${all.join(", ")}`);
    }
  }
  return all.filter((name) => names.includes(name));
}

const MAKERS: Record<StoreBackendName, () => StoreBackend> = {
  sqlite: sqliteBackend,
  postgres: postgresBackend,
};

/** The backends this run tests (both unless SCOPECTL_TEST_STORES narrows them). */
export const STORE_BACKENDS: readonly StoreBackend[] = selected().map((name) => MAKERS[name]());

/** Declares the same tests once per backend: `forEachStore((backend) => describe(\`${backend.name}: …\`, …))`. */
export function forEachStore(declare: (backend: StoreBackend) => void): void {
  for (const backend of STORE_BACKENDS) declare(backend);
}

/** Runs `fn` with a fresh store of `backend`, closing it (and every reopened one) afterwards. */
export async function withStore<T>(
  backend: StoreBackend,
  fn: (opened: OpenedStore) => Promise<T>,
  options?: OpenStoreOptions,
): Promise<T> {
  const store = await backend.open(options);
  try {
    return await fn(store);
  } finally {
    await store.cleanup();
  }
}

/** How many rows a table of the store's database holds. */
export async function countRows(backend: StoreBackend, location: string, table: string): Promise<number> {
  const [row] = await backend.sql(location, `SELECT count(*) FROM ${table}`);
  return Number(row?.[0]);
}
