/**
 * Temporary: the SQLite store now lives in `sqlite/` (one file per concern, `open.ts` to open it); this
 * re-export keeps callers compiling until their imports move, and goes away with that change.
 */
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  defaultStorePath,
  openSqliteStore,
  type SqliteStoreOptions,
} from "./sqlite/open.ts";
