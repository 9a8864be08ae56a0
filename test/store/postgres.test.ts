/**
 * What only the PostgreSQL store has (the behaviours both stores share are the contract suite's, run
 * on both by test/support/stores.ts): two stores on one database (two pools, as two replicas) racing
 * single-use sign-in writes, key creation and applies; the change feed across stores and across a
 * server stop and start; StoreUnavailableError while the server is down and recovery without a reopen;
 * migrations under concurrent opens; refusals of a foreign or newer database; no password in any error.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import path from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import type { StoreChange } from "../../src/store/changes.ts";
import { openStore } from "../../src/store/open.ts";
import { PostgresDatabase } from "../../src/store/postgres/database.ts";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "../../src/store/postgres/migrations.ts";
import { StaleRevisionError } from "../../src/store/resources.ts";
import { type Store, StoreLockedError, StoreUnavailableError } from "../../src/store/store.ts";
import { freePort } from "../support/net.ts";
import {
  POSTGRES_PASSWORD,
  POSTGRES_USER,
  postgresBinDir,
  postgresForFile,
  startPostgres,
} from "../support/postgres.ts";
import { STORE_TEST_TIMEOUT_MS } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";
import { key } from "./fixtures/keys.ts";
import { alice, bob } from "./fixtures/samples.ts";
import { ALICE, at, codeOf, DAY, declareAlice, grantOf, signedIn, T0, tokenOf } from "./fixtures/sign-in.ts";
import { ctxOf } from "./helpers.ts";

const postgres = postgresForFile();
const opened: Store[] = [];
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
});

/** Two stores on one fresh database: two pools, as two replicas have. */
async function twoReplicas(): Promise<[Store, Store, string]> {
  const url = await postgres.database();
  const first = await openStore(url);
  const second = await openStore(url);
  opened.push(first, second);
  return [first, second, url];
}

/** Runs one SQL statement with a client of its own. */
async function sql(url: string, statement: string, values: unknown[] = []): Promise<unknown[][]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query({ text: statement, values, rowMode: "array" })).rows as unknown[][];
  } finally {
    await client.end();
  }
}

const noPassword = (text: string) => {
  assert.equal(text.includes(POSTGRES_PASSWORD), false, `the password is in: ${text}`);
  assert.equal(text.includes(encodeURIComponent(POSTGRES_PASSWORD)), false, `the password is in: ${text}`);
};

/** Every message of an error and its causes. */
const messagesOf = (error: unknown): string => {
  const parts: string[] = [];
  for (let e = error as Error | undefined; e; e = e.cause as Error | undefined) {
    parts.push(String(e.message), String(e.stack));
  }
  return parts.join("\n");
};

describe("PostgreSQL store: replicas racing on one database", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a code redeemed at once by two replicas: exactly one ok, the other reused, the grant revoked", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    await declareAlice(first);
    for (let round = 0; round < 20; round++) {
      const id = `g${round}`;
      await first.createGrant(grantOf(id), codeOf(id));
      const results = await Promise.all([
        first.redeemCode(`code-${id}`, at(1)),
        second.redeemCode(`code-${id}`, at(1)),
      ]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, ["ok", "reused"], `round ${round}`);
      const grant = await second.grant(id);
      assert.equal(grant?.revokedReason, "authorization code reused", `round ${round}`);
    }
  });

  test("a refresh token rotated at once by two replicas: one ok, the other reused, the family revoked", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    await declareAlice(first);
    for (let round = 0; round < 20; round++) {
      const id = `g${round}`;
      await signedIn(first, id);
      const results = await Promise.all([
        first.rotateRefreshToken(`${id}-r1`, "web", tokenOf(`${id}-a`, at(5), at(DAY)), at(5)),
        second.rotateRefreshToken(`${id}-r1`, "web", tokenOf(`${id}-b`, at(5), at(DAY)), at(5)),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ["ok", "reused"], `round ${round}`);
      // The winner's new token belongs to a revoked grant now: reuse ended the whole family.
      const winner = results[0]?.status === "ok" ? `${id}-a` : `${id}-b`;
      const next = await first.rotateRefreshToken(winner, "web", tokenOf(`${id}-c`, at(6), at(DAY)), at(6));
      assert.deepEqual(next, { status: "revoked" }, `round ${round}`);
    }
  });

  test("a rotation refused by accept on one replica leaves the token to the other", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    await declareAlice(first);
    const grant = await signedIn(first, "g1");
    const refused = first.rotateRefreshToken("g1-r1", "web", tokenOf("g1-x", at(5), at(DAY)), at(5), () => {
      throw new Error("invalid_scope");
    });
    await assert.rejects(refused, /invalid_scope/);
    assert.deepEqual(
      await second.rotateRefreshToken("g1-r1", "web", tokenOf("g1-r2", at(6), at(DAY)), at(6)),
      {
        status: "ok",
        grant,
      },
    );
  });

  test("a rotation whose token is spent, or whose grant is revoked, between its read and its write is decided again under locks", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, , url] = await twoReplicas();
    await declareAlice(first);
    // accept runs between the rotation's unlocked read and its write: psql, run synchronously there,
    // is another replica's write landing in that gap.
    const psql = path.join(postgresBinDir() as string, "psql");
    const between = (statement: string) => {
      let calls = 0;
      return () => {
        calls++;
        if (calls === 1)
          execFileSync(psql, [url, "-qAt", "-c", statement], { stdio: "ignore", timeout: 30_000 });
        return calls;
      };
    };

    await signedIn(first, "g1");
    const spend = between(`UPDATE refresh_tokens SET used_at = '${at(4)}' WHERE token_sha256 = 'g1-r1'`);
    const spent = await first.rotateRefreshToken(
      "g1-r1",
      "web",
      tokenOf("g1-r2", at(5), at(DAY)),
      at(5),
      spend,
    );
    assert.equal(spent.status, "reused");
    assert.equal((await first.grant("g1"))?.revokedReason, "refresh token reused");
    assert.equal(spend(), 2, "accept ran once: the locked retry found the token spent before asking it");
    assert.deepEqual(
      await sql(url, "SELECT count(*)::int FROM refresh_tokens WHERE token_sha256 = 'g1-r2'"),
      [[0]],
    );

    await signedIn(first, "g2");
    const revoke = between(
      `UPDATE grants SET revoked_at = '${at(4)}', revoked_reason = 'elsewhere' WHERE id = 'g2'`,
    );
    const revoked = await first.rotateRefreshToken(
      "g2-r1",
      "web",
      tokenOf("g2-r2", at(5), at(DAY)),
      at(5),
      revoke,
    );
    assert.deepEqual(revoked, { status: "revoked" });
    assert.deepEqual(await sql(url, "SELECT used_at FROM refresh_tokens WHERE token_sha256 = 'g2-r1'"), [
      [null],
    ]);
    assert.deepEqual(
      await sql(url, "SELECT count(*)::int FROM refresh_tokens WHERE token_sha256 = 'g2-r2'"),
      [[0]],
    );
  });

  test("a token the replica minted itself (rotated without a read) is judged as after a read: replayed, revoked, expired, another client's", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second, url] = await twoReplicas();
    await declareAlice(first);
    const rotate = (store: Store, token: string, next: string, time: number, client = "web") =>
      store.rotateRefreshToken(token, client, tokenOf(next, at(time), at(time + 60)), at(time));

    // Replayed: first minted g1-r2; second spends it; first's own copy of g1-r2 presented again.
    await signedIn(first, "g1");
    assert.equal((await rotate(first, "g1-r1", "g1-r2", 5)).status, "ok");
    assert.equal((await rotate(second, "g1-r2", "g1-r3", 6)).status, "ok");
    assert.equal((await rotate(first, "g1-r2", "g1-r4", 7)).status, "reused");
    assert.equal((await first.grant("g1"))?.revokedReason, "refresh token reused");

    // Revoked by another writer since first minted the token.
    await signedIn(first, "g2");
    assert.equal((await rotate(first, "g2-r1", "g2-r2", 5)).status, "ok");
    await sql(url, "UPDATE grants SET revoked_at = $1, revoked_reason = 'elsewhere' WHERE id = 'g2'", [
      at(6),
    ]);
    assert.deepEqual(await rotate(first, "g2-r2", "g2-r3", 7), { status: "revoked" });

    // Past the expiry it was minted with (60 s), and one whose row was made to expire early.
    await signedIn(first, "g3");
    assert.equal((await rotate(first, "g3-r1", "g3-r2", 5)).status, "ok");
    assert.deepEqual(await rotate(first, "g3-r2", "g3-r3", 66), { status: "expired" });
    await signedIn(first, "g4");
    assert.equal((await rotate(first, "g4-r1", "g4-r2", 5)).status, "ok");
    await sql(url, "UPDATE refresh_tokens SET expires = $1 WHERE token_sha256 = 'g4-r2'", [at(6)]);
    assert.deepEqual(await rotate(first, "g4-r2", "g4-r3", 7), { status: "expired" });

    // Presented by another client, then by its own, which still may.
    await signedIn(first, "g5");
    assert.equal((await rotate(first, "g5-r1", "g5-r2", 5)).status, "ok");
    assert.deepEqual(await rotate(first, "g5-r2", "g5-x", 6, "other"), { status: "wrong_client" });
    assert.equal((await rotate(first, "g5-r2", "g5-r3", 7)).status, "ok");
    assert.deepEqual(
      await sql(url, "SELECT token_sha256 FROM refresh_tokens WHERE used_at IS NULL AND grant_id = 'g5'"),
      [["g5-r3"]],
    );
  });

  test("a single-statement write waiting on a row lock past the busy timeout fails as locked and never commits later", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = await postgres.database();
    const store = await openStore(url, { busyTimeoutMs: 300 });
    opened.push(store);
    await declareAlice(store);
    await signedIn(store, "g1");
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM grants WHERE id = 'g1' FOR UPDATE");
      // revokeGrant is one statement on the main pool; setPassword another, updating the same grants.
      await assert.rejects(store.revokeGrant("g1", "test", at(5)), StoreLockedError);
      await assert.rejects(store.setPassword("alice", "hash", at(5)), StoreLockedError);
      await holder.query("ROLLBACK");
      assert.equal(
        (await store.grant("g1"))?.revokedAt,
        undefined,
        "a refused write committed after the lock went",
      );
      assert.equal(await store.passwordHash("alice"), undefined);
    } finally {
      await holder.end();
    }
  });

  test("two replicas starting at once with onlyIfNoActive create one key, and the version counts it once", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    for (let round = 0; round < 10; round++) {
      const alg = round % 2 === 0 ? "ES256" : "RS256";
      const options = { retireUntil: "2030-01-01T01:00:00.000Z", now: T0, onlyIfNoActive: alg } as const;
      const results = await Promise.all([
        first.addSigningKey(key(`x${round}`, T0, alg), options),
        second.addSigningKey(key(`y${round}`, T0, alg), options),
      ]);
      assert.deepEqual(
        results.filter((r) => r),
        [true],
        `round ${round}`,
      );
    }
    assert.equal(await first.keysVersion(), 10);
    assert.equal((await second.signingKeys()).filter((k) => k.retiredAt === undefined).length, 1);
  });

  test("a key rotation does not wait for an apply holding the revision lock", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const locked = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const apply = first.transaction(
      async (tx) => {
        await tx.put("Api", "a", { audience: "a", displayName: "A" }, alice);
        holding();
        await held;
      },
      { ctx: alice },
    );
    try {
      await locked;
      // Would time out (StoreLockedError after busyTimeoutMs) if the keys shared the apply's row.
      assert.equal(await second.addSigningKey(key("k", T0), { retireUntil: T0, now: T0 }), true);
      assert.equal(await second.keysVersion(), 1);
    } finally {
      release();
      await apply;
    }
  });

  test("applies from two replicas against one revision: one commits, the other is stale", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled(
        [first, second].map((store, i) =>
          store.transaction(
            async (tx) => {
              for (let n = 0; n < 50; n++) {
                await tx.put("User", `u${round}-${i}-${n}`, { ...ALICE, email: `${i}@x` }, alice);
              }
            },
            { ctx: alice, expectedRevision: round },
          ),
        ),
      );
      const ok = results.filter((r) => r.status === "fulfilled");
      const stale = results.filter((r) => r.status === "rejected" && r.reason instanceof StaleRevisionError);
      assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(results)}`);
      assert.equal(stale.length, 1, `round ${round}`);
    }
    assert.equal(await first.revision(), 10);
    assert.equal((await second.list("User")).length, 500);
    assert.equal((await first.audit()).length, 500);
  });

  test("a grant created while an apply disables its user (that apply has written the row) is stored revoked", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    await declareAlice(first);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written = () => {};
    const rowWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const apply = first.transaction(
      async (tx) => {
        await tx.put("User", "alice", { ...ALICE, disabled: true }, bob);
        await tx.get("User", "alice"); // a read of a buffered key writes the buffer: the row is locked now
        written();
        await held;
      },
      { ctx: bob },
    );
    let stored = false;
    try {
      await rowWritten;
      const creating = second.createGrant(grantOf("late"), codeOf("late")).then(() => {
        stored = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stored, false, "the grant waited for the apply holding its user's row");
      release();
      await apply;
      await creating;
    } finally {
      release();
      await apply.catch(() => undefined);
    }
    assert.equal((await first.grant("late"))?.revokedReason, "user disabled");
    assert.deepEqual(await second.redeemCode("code-late", at(1)), { status: "revoked" });
  });
});

describe("PostgreSQL store: the change feed", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an apply and a key rotation on one replica reach another replica's watchers; unsubscribing stops them", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const [first, second] = await twoReplicas();
    const seen: StoreChange[] = [];
    const live: boolean[] = [];
    const stop = second.watchChanges({ onChange: (c) => seen.push(c), onLive: (l) => live.push(l) });
    await waitFor("the feed to be live", () => live.at(-1) === true);
    await first.transaction((tx) => tx.put("Api", "a", { audience: "a", displayName: "A" }, alice), {
      ctx: alice,
    });
    await waitFor("the revision change", () => seen.includes("revision"));
    await first.addSigningKey(key("k", T0), { retireUntil: T0, now: T0 });
    await waitFor("the keys change", () => seen.includes("keys"));
    // A transaction that rolls back notifies nothing.
    await assert.rejects(
      first.transaction(
        async (tx) => {
          await tx.put("Api", "b", { audience: "b", displayName: "B" }, alice);
          await tx.listAll();
          throw new Error("boom");
        },
        { ctx: alice },
      ),
      /boom/,
    );
    // A second watcher joining a live feed is told it is live.
    const lateLive: boolean[] = [];
    const stopLate = second.watchChanges({ onChange: () => {}, onLive: (l) => lateLive.push(l) });
    await waitFor("the late watcher to hear the feed is live", () => lateLive.at(-1) === true);
    stopLate();
    stop();
    const count = seen.length;
    await first.transaction((tx) => tx.put("Api", "c", { audience: "c", displayName: "C" }, alice), {
      ctx: alice,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(seen.slice(0, count), ["revision", "keys"]);
    assert.equal(seen.length, count, "an unsubscribed watcher hears nothing more");
  });

  test("a server stop: the feed goes down, calls fail as unavailable, and after the start everything works again without a reopen", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const cluster = await startPostgres();
    let store: Store | undefined;
    let other: Store | undefined;
    try {
      const url = await cluster.database();
      store = await openStore(url);
      other = await openStore(url);
      const events: boolean[] = [];
      const seen: StoreChange[] = [];
      other.watchChanges({ onChange: (c) => seen.push(c), onLive: (l) => events.push(l) });
      await waitFor("the feed to be live", () => events.at(-1) === true);
      await declareAlice(store);
      await store.createGrant(grantOf("g1"), codeOf("g1"));
      await waitFor("the first revision", () => seen.includes("revision"));

      await cluster.stop();
      await waitFor("the feed to go down", () => events.at(-1) === false);
      for (const call of [
        () => store?.revision(),
        () => store?.listAll(),
        () => store?.transaction(async () => undefined, { ctx: alice }),
        () => store?.redeemCode("code-g1", at(1)),
        () => store?.addSigningKey(key("k", T0), { retireUntil: T0, now: T0 }),
        () =>
          store?.saveSyncStatus({
            state: "Synced",
            repo: "r",
            branch: "b",
            path: ".",
            drift: [],
            checkedAt: T0,
          }),
      ]) {
        await assert.rejects(Promise.resolve(call()), (error: unknown) => {
          assert.ok(error instanceof StoreUnavailableError, String(error));
          assert.equal(error.code, "store.unavailable");
          noPassword(messagesOf(error));
          return true;
        });
      }

      await cluster.start();
      await waitFor("the feed to be live again", () => events.at(-1) === true);
      assert.deepEqual(events, [true, false, true]);
      assert.deepEqual(await store.redeemCode("code-g1", at(1)), {
        status: "ok",
        code: codeOf("g1"),
        grant: grantOf("g1"),
      });
      const { revision } = await store.transaction(
        (tx) => tx.put("Api", "after", { audience: "x", displayName: "X" }, alice),
        { ctx: alice },
      );
      assert.equal(revision, 2);
      await waitFor("the change after the restart", () => seen.filter((c) => c === "revision").length >= 2);
      assert.equal(await other.revision(), 2);
    } finally {
      await store?.close();
      await other?.close();
      await cluster.destroy();
    }
  });
});

/**
 * A loopback TCP proxy to the cluster that can go silent: `freeze` stops moving bytes without closing
 * anything (a network partition, as the client sees it), `thaw` moves them again.
 */
async function freezableProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
      if (frozen) socket.pause();
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("PostgreSQL store: a silent network", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a feed whose connection goes silent is found lost by its heartbeat, and comes back when the network does", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = new URL(await postgres.database());
    const proxy = await freezableProxy(Number(url.port));
    const direct = await openStore(url.toString());
    const behind = new URL(url);
    behind.port = String(proxy.port);
    const watched = await openStore(behind.toString());
    try {
      const events: boolean[] = [];
      const seen: StoreChange[] = [];
      watched.watchChanges({ onChange: (c) => seen.push(c), onLive: (l) => events.push(l) });
      await waitFor("the feed to be live", () => events.at(-1) === true);
      proxy.freeze();
      await waitFor("the heartbeat to find the feed lost", () => events.at(-1) === false, {
        deadlineMs: 60_000,
      });
      proxy.thaw();
      await waitFor("the feed to be live again", () => events.at(-1) === true, { deadlineMs: 60_000 });
      await direct.transaction((tx) => tx.put("Api", "a", { audience: "a", displayName: "A" }, alice), {
        ctx: alice,
      });
      await waitFor("the change through the healed network", () => seen.includes("revision"));
    } finally {
      proxy.thaw();
      await watched.close();
      await direct.close();
      await proxy.close();
    }
  });
});

describe("PostgreSQL store: opening", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("four stores opening a new database at once migrate it once", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = await postgres.database();
    const databases = Array.from({ length: 4 }, () => new PostgresDatabase(url, 5000));
    try {
      const results = await Promise.all(databases.map((db) => migrate(db)));
      assert.deepEqual(results.map((r) => r.from).sort(), [
        0,
        SCHEMA_VERSION,
        SCHEMA_VERSION,
        SCHEMA_VERSION,
      ]);
      assert.deepEqual(await sql(url, "SELECT version FROM scopectl_schema_version"), [[SCHEMA_VERSION]]);
      assert.deepEqual(await sql(url, "SELECT id, revision FROM meta"), [[1, 0]]);
    } finally {
      await Promise.all(databases.map((db) => db.close()));
    }
  });

  test("pooled sessions start with lock_timeout, the runtime pool's at synchronous_commit off, after the URL's own options", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = new URL(await postgres.database());
    url.searchParams.set("options", "-c statement_timeout=7s");
    const db = new PostgresDatabase(url.toString(), 1234);
    const settings =
      "SELECT name, setting, source FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout', 'synchronous_commit') ORDER BY name";
    try {
      const [main, runtime] = await Promise.all([db.pool.query(settings), db.runtimePool.query(settings)]);
      assert.deepEqual(
        main.rows.filter((row) => row.name !== "synchronous_commit"),
        [
          { name: "lock_timeout", setting: "1234", source: "client" },
          { name: "statement_timeout", setting: "7000", source: "client" },
        ],
      );
      assert.notEqual(main.rows.find((row) => row.name === "synchronous_commit")?.source, "client");
      assert.deepEqual(runtime.rows, [
        { name: "lock_timeout", setting: "1234", source: "client" },
        { name: "statement_timeout", setting: "7000", source: "client" },
        { name: "synchronous_commit", setting: "off", source: "client" },
      ]);
    } finally {
      await db.close();
    }
  });

  test("a database migrated part way is brought to the latest version, keeping its rows", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = await postgres.database();
    const db = new PostgresDatabase(url, 5000);
    try {
      assert.deepEqual(await migrate(db, MIGRATIONS.slice(0, 1)), { from: 0, to: 1 });
    } finally {
      await db.close();
    }
    await sql(url, "UPDATE meta SET revision = 4");
    const store = await openStore(url);
    try {
      assert.equal(await store.revision(), 4);
      assert.equal(await store.keysVersion(), 0);
      assert.deepEqual(await sql(url, "SELECT version FROM scopectl_schema_version"), [[SCHEMA_VERSION]]);
    } finally {
      await store.close();
    }
  });

  test("a database of something else, or of a newer scopectl, is refused and left untouched", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const foreign = await postgres.database();
    await sql(foreign, "CREATE TABLE customers (id integer PRIMARY KEY)");
    await assert.rejects(openStore(foreign), (error: unknown) => {
      assert.match(String((error as Error).message), /tables of its own, not a scopectl store/);
      assert.equal((error as { code?: string }).code, "store.unreadable");
      noPassword(messagesOf(error));
      return true;
    });
    assert.deepEqual(await sql(foreign, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"), [
      ["customers"],
    ]);

    const newer = await postgres.database();
    await (await openStore(newer)).close();
    await sql(newer, "UPDATE scopectl_schema_version SET version = $1", [SCHEMA_VERSION + 1]);
    await assert.rejects(openStore(newer), (error: unknown) => {
      assert.equal((error as { code?: string }).code, "store.version");
      assert.match(String((error as Error).message), /newer than this scopectl knows/);
      noPassword(messagesOf(error));
      return true;
    });
  });

  test("a wrong password, an unreachable server: clear errors that never show the password", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = new URL(await postgres.database());
    url.password = `${POSTGRES_PASSWORD}-wrong`;
    await assert.rejects(openStore(url.toString()), (error: unknown) => {
      assert.equal((error as { code?: string }).code, "store.unreadable");
      assert.match(String((error as Error).message), /password authentication failed/);
      assert.match(String((error as Error).message), /postgres:\/\/scopectl:\*\*\*@127\.0\.0\.1/);
      noPassword(messagesOf(error));
      return true;
    });

    const port = await freePort();
    const nowhere = `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${port}/none`;
    await assert.rejects(openStore(nowhere), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError, String(error));
      assert.equal(
        error.message,
        `the store postgres://scopectl:***@127.0.0.1:${port}/none cannot be reached; try again`,
      );
      noPassword(messagesOf(error));
      return true;
    });

    // The password from PGPASSWORD: the URL carries none, the description shows none, nor do errors.
    const bare = new URL(await postgres.database());
    bare.password = "";
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = POSTGRES_PASSWORD;
    try {
      const store = await openStore(bare.toString());
      try {
        assert.equal(store.description, bare.toString());
        await declareAlice(store);
        await assert.rejects(
          store.createGrant(grantOf("g"), { ...codeOf("g"), grantId: "other" }),
          /belongs/,
        );
      } finally {
        await store.close();
      }
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  test("the store's description is the URL without its password, and kind is postgres", {
    timeout: STORE_TEST_TIMEOUT_MS,
  }, async () => {
    const url = await postgres.database();
    const store = await openStore(url);
    try {
      assert.equal(store.kind, "postgres");
      noPassword(store.description);
      assert.equal(store.description, url.replace(encodeURIComponent(POSTGRES_PASSWORD), "***"));
      await store.transaction((tx) => tx.put("User", "alice", ALICE, ctxOf("t")), { ctx: ctxOf("t") });
    } finally {
      await store.close();
    }
    await assert.rejects(store.revision(), /is closed/);
  });
});
