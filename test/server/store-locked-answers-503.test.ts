/**
 * A sign-in write that waits for a row lock another writer holds past the store's busy timeout (a
 * large apply revoking grants, another replica's long transaction) is answered as a store outage is:
 * 503 with Retry-After at the token endpoint, not a 500; the same request succeeds once the lock is
 * gone. Real PostgreSQL: a second session holds the refresh token's grant row FOR UPDATE.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import { pino } from "pino";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { hashPassword } from "../../src/server/login/password.ts";
import { startTokenServer } from "../../src/server/server.ts";
import { openStore } from "../../src/store/open.ts";
import { freePort } from "../support/net.ts";
import { postgresForFile } from "../support/postgres.ts";
import { PASSWORD, signIn, userTenantFiles, WEB_REDIRECT } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { basic, postForm } from "../support/token-server.ts";

const pgs = postgresForFile();

describe("a store lock held past the busy timeout", { timeout: SUITE_TIMEOUT_MS }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test("a refresh waiting for a locked grant gets 503 with Retry-After, then works", {
    timeout: 120_000,
  }, async () => {
    const url = await pgs.database();
    const store = await openStore(url, { busyTimeoutMs: 500 });
    cleanups.push(() => store.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-locked-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    for (const [name, text] of Object.entries(userTenantFiles(issuer)))
      await writeFile(path.join(dir, name), text);
    const { plan } = await planFolder(store, dir);
    const applied = await applyPlan(store, plan, { actor: "test", managedBy: RECONCILER });
    const webSecret = applied.secrets.find((s) => s.id === "web")?.value ?? assert.fail("no web secret");
    await store.setPassword("alice", await hashPassword(PASSWORD), new Date().toISOString());
    const server = await startTokenServer({ store, port, issuer, logger: pino({ level: "silent" }) });
    cleanups.push(() => server.close());

    const { redirect, verifier } = await signIn(issuer);
    const token = (form: Record<string, string>) =>
      postForm(`${issuer}/oauth2/token`, form, { authorization: basic("web", webSecret) });
    const first = await token({
      grant_type: "authorization_code",
      code: redirect.searchParams.get("code") ?? "",
      code_verifier: verifier ?? "",
      redirect_uri: WEB_REDIRECT,
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));

    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM grants FOR UPDATE");
    const refresh = { grant_type: "refresh_token", refresh_token: String(first.body.refresh_token) };
    const waited = await token(refresh);
    assert.equal(waited.status, 503, JSON.stringify(waited.body));
    assert.equal(waited.body.error, "temporarily_unavailable");
    assert.ok(Number(waited.headers.get("retry-after")) > 0);
    await holder.query("ROLLBACK");
    const later = await token(refresh);
    assert.equal(later.status, 200, "the token was not spent by the refused request");
  });
});
