/**
 * Which store a Pulumi resource writes, as its `store` input records it. Pulumi keeps every input in
 * its state (which may be shared, or checked in), so the input never holds a credential: a PostgreSQL
 * URL with a password is refused, and a store named by `SCOPECTL_STORE` is recorded as the name of the
 * variable (STORE_FROM_ENV), read again where the provider runs. The order: the resource's own `store`
 * argument, the `scopectl:store` config, `SCOPECTL_STORE`, `.scopectl/store.db`.
 */
import { ScopectlError } from "../core/errors.ts";
import { isPostgresUrl, parseStoreLocation, type StoreLocation } from "../store/location.ts";
import { DEFAULT_STORE, STORE_FROM_ENV } from "./inputs.ts";

function refusePassword(value: string, where: string): void {
  if (!isPostgresUrl(value)) return;
  let password = "";
  try {
    const url = new URL(value);
    // node-postgres also reads the password from a `password` query parameter, as libpq does.
    password = url.password || (url.searchParams.get("password") ?? "");
  } catch {
    // parseStoreLocation reports an unreadable URL when the provider opens it.
  }
  if (password) {
    throw new ScopectlError(
      "option.invalid",
      `${where} is a PostgreSQL URL with a password, which Pulumi would keep in its state: leave the password out and set PGPASSWORD, or leave ${where} unset and give the whole URL in SCOPECTL_STORE`,
    );
  }
}

/** The `store` input of a new resource (run in the Pulumi program). */
export function storeInput(
  argument: string | undefined,
  config: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (argument !== undefined) {
    refusePassword(argument, "the resource's `store` argument");
    return argument;
  }
  if (config !== undefined) {
    refusePassword(config, "the config scopectl:store");
    return config;
  }
  return env.SCOPECTL_STORE ? STORE_FROM_ENV : DEFAULT_STORE;
}

/** The store a `store` input names (run in the provider). */
export function storeOfInput(
  input: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): StoreLocation {
  if (input !== STORE_FROM_ENV) return parseStoreLocation(input, cwd);
  const value = env.SCOPECTL_STORE;
  if (!value) {
    throw new ScopectlError(
      "option.invalid",
      "this Pulumi resource's store is the one SCOPECTL_STORE names, and SCOPECTL_STORE is not set where the provider runs",
    );
  }
  return parseStoreLocation(value, cwd);
}
