/**
 * A store URL whose password holds a reserved character left unencoded (`/`, `?` or `#`, common in
 * generated passwords) no longer reads as userinfo: after digits it parses as a port, and the rest of
 * the password as a path, query or fragment, which no redaction knows to hide. Such a URL is refused
 * without being echoed; the same password percent-encoded opens the store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { runCli } from "../support/cli.ts";
import { postgresForFile } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const postgres = postgresForFile();
const PASSWORD = "8471/Kq2?r#Wx-secret";

describe("a store URL with an unencoded reserved character in its password", {
  timeout: SUITE_TIMEOUT_MS,
}, () => {
  test("is refused without showing the password; percent-encoded it opens the store", {
    timeout: 120_000,
  }, async () => {
    const url = new URL(await postgres.database());
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE owner LOGIN PASSWORD '${PASSWORD}'`);
      await admin.query(`GRANT ALL ON SCHEMA public TO owner`);
    } finally {
      await admin.end();
    }
    const where = `127.0.0.1:${url.port}${url.pathname}`;
    const encoded = runCli(["history"], {
      env: { SCOPECTL_STORE: `postgres://owner:${encodeURIComponent(PASSWORD)}@${where}` },
    });
    assert.equal(encoded.status, 0, encoded.stderr);

    for (const cut of ["8471/Kq2", "8471?Kq2", "8471#Kq2"]) {
      const raw = runCli(["history"], { env: { SCOPECTL_STORE: `postgres://owner:${cut}-x@${where}` } });
      const output = raw.stdout + raw.stderr;
      assert.notEqual(raw.status, 0);
      assert.ok(!output.includes(cut.slice(5)), output);
      assert.match(output, /percent-encode/);
    }
  });
});
