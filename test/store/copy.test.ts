/**
 * `scopectl store copy` (issue 14, acceptance 5): SQLite → PostgreSQL and back, through the real CLI.
 * Each copy holds every row of its source (dumps compare equal: resources, revisions, audit, imports,
 * keys, passwords, grants, codes, refresh tokens, sync status), `plan` against it is a no-op, and a
 * token service on it signs tokens with the same claims as one on the source. A copy into a store that
 * is not empty is refused and changes nothing; a copy never prints the PostgreSQL password.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { hashPassword } from "../../src/server/login/password.ts";
import { startTokenServer } from "../../src/server/server.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../support/cli.ts";
import { POSTGRES_PASSWORD, postgresForFile } from "../support/postgres.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, claimsOf, postForm } from "../support/token-server.ts";

const ORDERS = "https://orders.example";
const ROBOT_SECRET = "robot-secret-0123456789abcdef0123456789";
const TENANT = [
  `${API_HEADER("Settings", "default")}spec:\n  issuer: https://auth.example\n`,
  `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes:\n    - { name: "read:orders" }\n    - { name: "write:orders" }\n`,
  `${API_HEADER("Role", "clerk")}spec:\n  scopes:\n    orders: ["read:orders"]\n`,
  `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n  roles: [clerk]\n`,
  `${API_HEADER("Application", "robot")}spec:\n  type: m2m\n  clientId: robot\n  secret: { fromEnv: ROBOT_SECRET }\n  apis:\n    orders: { scopes: all }\n`,
  `${API_HEADER("ApiKey", "ci")}spec:\n  api: orders\n  scopes: ["read:orders"]\n`,
].join("---\n");

const pg = postgresForFile();
let root = "";

/** A client credentials token's claims from a token service on `store`, less what differs per token. */
async function robotClaims(store: Store): Promise<Record<string, unknown>> {
  const server = await startTokenServer({ store, logger: pino({ level: "silent" }) });
  try {
    const answer = await postForm(
      `${server.url}/oauth2/token`,
      { grant_type: "client_credentials", audience: ORDERS },
      { authorization: basic("robot", ROBOT_SECRET) },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const {
      iat: _iat,
      exp: _exp,
      jti: _jti,
      nbf: _nbf,
      ...claims
    } = claimsOf(String(answer.body.access_token));
    const [header] = String(answer.body.access_token).split(".");
    return { ...claims, kid: JSON.parse(Buffer.from(header ?? "", "base64url").toString()).kid };
  } finally {
    await server.close();
  }
}

async function withStore<T>(location: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { cwd: root, env: { ROBOT_SECRET, ...env } });

describe("scopectl store copy", { timeout: SUITE_TIMEOUT_MS }, () => {
  const source = () => path.join(root, "source.db");
  let postgres = "";

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "scopectl-copy-"));
    await mkdir(path.join(root, "config"));
    await writeFile(path.join(root, "config", "tenant.yaml"), TENANT);
    const applied = cli(["apply", "config", "--store", source(), "--yes", "--allow-dirty"]);
    assert.equal(applied.status, 0, applied.stderr);
    postgres = await pg.database();
    // Runtime state besides the applied rows: a signing key (made by a first start), a password, a
    // grant with a used code and a live refresh token, a sync status.
    await withStore(source(), async (store) => {
      await robotClaims(store);
      const now = new Date();
      const later = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
      await store.setPassword("alice", await hashPassword("correct horse battery"), now.toISOString());
      const granted = {
        openIdScopes: ["offline_access"],
        audiences: [{ audience: ORDERS, scopes: ["read:orders"] }],
      };
      await store.createGrant(
        {
          id: "grant-1",
          clientId: "robot",
          userId: "alice",
          scopes: ["offline_access"],
          audiences: [ORDERS],
          granted,
          authTime: Math.floor(now.getTime() / 1000),
          createdAt: now.toISOString(),
        },
        {
          codeSha256: "a".repeat(64),
          grantId: "grant-1",
          redirectUri: "https://web/cb",
          codeChallenge: "c",
          expiresAt: later(60),
        },
      );
      assert.equal((await store.redeemCode("a".repeat(64), now.toISOString())).status, "ok");
      await store.addRefreshToken({
        tokenSha256: "b".repeat(64),
        grantId: "grant-1",
        createdAt: now.toISOString(),
        expiresAt: later(3600),
      });
      await store.saveSyncStatus({
        state: "Synced",
        reason: "Succeeded",
        repo: "https://git.example/tenant.git",
        branch: "main",
        path: "config",
        drift: [],
        checkedAt: now.toISOString(),
      });
    });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("SQLite → PostgreSQL → SQLite: every row, a no-op plan, the same token claims", {
    timeout: 240_000,
  }, async () => {
    // The URL (with its password) in the environment, never in argv.
    const toPostgres = cli(["store", "copy", "--from", source()], { SCOPECTL_STORE_TO: postgres });
    assert.equal(toPostgres.status, 0, toPostgres.stderr);
    assert.match(toPostgres.stdout, /at revision 1/);
    assert.doesNotMatch(toPostgres.stdout + toPostgres.stderr, new RegExp(POSTGRES_PASSWORD));
    const back = path.join(root, "back.db");
    const toSqlite = cli(["store", "copy", "--to", back], { SCOPECTL_STORE_FROM: postgres });
    assert.equal(toSqlite.status, 0, toSqlite.stderr);

    const expected = await withStore(source(), (store) => store.dump());
    assert.ok(
      expected.signingKeys.length > 0 && expected.grants.length === 1 && expected.refreshTokens.length === 1,
    );
    assert.ok(expected.codes[0]?.usedAt !== undefined && expected.passwords.length === 1);
    const claims = await withStore(source(), robotClaims);
    for (const copy of [postgres, back]) {
      assert.deepEqual(await withStore(copy, (store) => store.dump()), expected);
      const plan = cli(["plan", "config"], { SCOPECTL_STORE: copy });
      assert.equal(plan.status, 0, plan.stderr);
      assert.match(plan.stdout, /No changes/);
      assert.deepEqual(await withStore(copy, robotClaims), claims);
      // The copied sign-in state still works: the refresh token is live, the used code stays used.
      await withStore(copy, async (store) => {
        const now = new Date().toISOString();
        assert.equal((await store.redeemCode("a".repeat(64), now)).status, "reused");
      });
    }
  });

  test("a copy into a store that is not empty is refused and changes nothing", {
    timeout: 120_000,
  }, async () => {
    const target = path.join(root, "taken.db");
    assert.equal(cli(["apply", "config", "--store", target, "--yes", "--allow-dirty"]).status, 0);
    const before = await withStore(target, (store) => store.dump());
    const refused = cli(["store", "copy", "--from", source(), "--to", target]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is not empty/);
    assert.deepEqual(await withStore(target, (store) => store.dump()), before);
    const same = cli(["store", "copy", "--from", source(), "--to", source()]);
    assert.equal(same.status, 1);
    assert.match(same.stderr, /the same store/);
    const missing = cli([
      "store",
      "copy",
      "--from",
      path.join(root, "nope.db"),
      "--to",
      path.join(root, "x.db"),
    ]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no store at .*nope\.db/);
  });
});
