/**
 * Opening a PostgreSQL store: the pool (database.ts), then the migrations (migrations.ts), before
 * anything else touches the database. The URL (password included) goes to the driver only; every
 * message names the store by its description, the URL without its password.
 *
 * A failure to open says what to do about it: a server that cannot be reached is StoreUnavailableError
 * (try again later); a refused login or a database that does not exist is `store.unreadable`, with the
 * server's reason (which never quotes the password); a database of something else or of a newer
 * scopectl is refused as on SQLite.
 */
import { ScopectlError } from "../../core/errors.ts";
import { DEFAULT_BUSY_TIMEOUT_MS } from "../sqlite/open.ts";
import type { Store } from "../store.ts";
import { PostgresDatabase } from "./database.ts";
import { migrate } from "./migrations.ts";
import { PostgresStore } from "./store.ts";

export interface PostgresStoreOptions {
  /** How long an apply waits for another replica's apply (the `meta` row lock) before it gives up. */
  busyTimeoutMs?: number;
}

/** SQLSTATEs a server answers a connection with that no retry will change. */
const REFUSED_LOGIN = new Set([
  "28P01", // invalid_password
  "28000", // invalid_authorization_specification (no pg_hba.conf entry, no such role)
  "3D000", // invalid_catalog_name: no such database
  "42501", // insufficient_privilege
]);

/** Opens the PostgreSQL store at `url` (postgres:// or postgresql://), creating its tables when needed. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const db = new PostgresDatabase(url, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw openError(db, error);
  }
  return new PostgresStore(db);
}

function openError(db: PostgresDatabase, error: unknown): unknown {
  if (error instanceof ScopectlError || !(error instanceof Error)) return error;
  db.scrub(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && REFUSED_LOGIN.has(code)) {
    return new ScopectlError(
      "store.unreadable",
      `cannot open the store ${db.description}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (error.message.includes("not a scopectl store")) {
    return new ScopectlError("store.unreadable", `cannot open the store: ${error.message}`, { cause: error });
  }
  return error;
}
