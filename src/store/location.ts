/**
 * Where a store is: `--store` / `SCOPECTL_STORE` name either an SQLite file (a path) or a PostgreSQL
 * database (a `postgres://` or `postgresql://` URL, the libpq form node-postgres reads). The password
 * may be in the URL or in `PGPASSWORD`; either way it is a secret, so every text scopectl shows of a
 * location goes through `describeStoreLocation`, which never contains it.
 */
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";

export type StoreLocation =
  | { kind: "sqlite"; file: string }
  /** `url` is the URL as given (password included): pass it to the driver only, never print it. */
  | { kind: "postgres"; url: string };

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** True when `value` names a PostgreSQL database rather than a file. */
export const isPostgresUrl = (value: string): boolean => POSTGRES_URL.test(value);

/** Reads a `--store` value: a postgres URL as is, any other value a file path relative to `cwd`. */
export function parseStoreLocation(value: string, cwd: string): StoreLocation {
  if (!isPostgresUrl(value)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      throw new ScopectlError(
        "store.location-invalid",
        `the store ${describeUrl(value)} is a URL of a kind scopectl does not know: give a file path (SQLite) or a postgres:// URL`,
      );
    }
    return { kind: "sqlite", file: path.resolve(cwd, value) };
  }
  // An "@" only past the host is a password with / ? or # left unencoded: the URL then reads it as a
  // port and a path, query or fragment, which describeUrl cannot know to hide. Refused, not echoed.
  const afterScheme = value.slice(value.indexOf("://") + 3);
  const hostEnd = afterScheme.search(/[/?#]/);
  if (hostEnd >= 0 && !afterScheme.slice(0, hostEnd).includes("@") && afterScheme.includes("@", hostEnd)) {
    throw new ScopectlError(
      "store.location-invalid",
      "the store URL has an @ after its host: percent-encode a password's / ? # @ (%2F %3F %23 %40), and any @ after the host",
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ScopectlError(
      "store.location-invalid",
      "the store URL is not a valid URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)",
    );
  }
  if (!url.hostname && !url.searchParams.has("host")) {
    throw new ScopectlError("store.location-invalid", `the store URL ${describeUrl(value)} names no host`);
  }
  if (url.pathname.length <= 1) {
    throw new ScopectlError(
      "store.location-invalid",
      `the store URL ${describeUrl(value)} names no database (postgres://USER@HOST/DATABASE)`,
    );
  }
  return { kind: "postgres", url: value };
}

/** The store from the environment, else `<cwd>/.scopectl/store.db`. */
export function defaultStoreLocation(cwd: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const fromEnv = env.SCOPECTL_STORE;
  return fromEnv
    ? parseStoreLocation(fromEnv, cwd)
    : { kind: "sqlite", file: path.join(cwd, ".scopectl", "store.db") };
}

/** A URL with its password (and any `password` parameter) replaced: what messages may show. */
function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|key|token/i.test(key)) url.searchParams.set(key, "***");
    }
    return url.toString();
  } catch {
    return "(an unreadable URL)";
  }
}

/** The location as messages, logs and status show it: a file path, or the URL without its password. */
export function describeStoreLocation(location: StoreLocation): string {
  return location.kind === "sqlite" ? location.file : describeUrl(location.url);
}
