/**
 * Opening a store by its location: an SQLite file (the embedded default) or a PostgreSQL database
 * (production: several token service replicas on one database). The PostgreSQL code (and `pg`) is
 * loaded only when a postgres:// location is opened, so commands on the embedded store never pay for it.
 */
import { defaultStoreLocation, parseStoreLocation, type StoreLocation } from "./location.ts";
import { openSqliteStore } from "./sqlite/open.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** How long a write waits for another writer's lock before it gives up (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** Opens (creating and migrating it when needed) the store at `location`; a string is parsed first. */
export async function openStore(
  location: StoreLocation | string,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const where = typeof location === "string" ? parseStoreLocation(location, process.cwd()) : location;
  if (where.kind === "sqlite") return openSqliteStore(where.file, options);
  const { openPostgresStore } = await import("./postgres/open.ts");
  return openPostgresStore(where.url, options);
}

export { defaultStoreLocation, parseStoreLocation };
