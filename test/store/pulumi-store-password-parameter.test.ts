/**
 * A PostgreSQL URL may carry its password as a `password` query parameter (node-postgres reads it, as
 * libpq does): Pulumi's `store` input must refuse that as it refuses a password in the userinfo, since
 * Pulumi keeps every input in its state.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { storeInput } from "../../src/pulumi/store-input.ts";
import { openStore } from "../../src/store/open.ts";
import { POSTGRES_PASSWORD, postgresForFile } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const postgres = postgresForFile();

describe("Pulumi's store input and a password query parameter", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a URL whose password is its ?password= parameter opens the store, and is refused as an input", {
    timeout: 60_000,
  }, async () => {
    const url = new URL(await postgres.database());
    url.password = "";
    url.searchParams.set("password", POSTGRES_PASSWORD);
    const store = await openStore(url.toString());
    await store.close(); // the parameter is a working credential
    for (const [argument, config] of [
      [url.toString(), undefined],
      [undefined, url.toString()],
    ] as const) {
      assert.throws(
        () => storeInput(argument, config, {}),
        (error: Error) => /with a password/.test(error.message) && !error.message.includes(POSTGRES_PASSWORD),
      );
    }
  });
});
