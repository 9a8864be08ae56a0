/**
 * Sign-ins end with the user or application they belong to, in the store's own transaction: disabling
 * or removing a User (or an Application) revokes its grants in the same transaction as the change,
 * whoever makes it (scopectl apply and sync, or Pulumi, through the resource providers), so a re-enabled
 * or re-created one starts without them. A password change revokes the user's grants too. A grant made
 * for a user the store has disabled or not at all is stored revoked. And migration 6 revokes the live
 * grants an older store kept for disabled or removed users and applications.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import type { ApplicationProps, UserProps } from "../../src/model/resources.ts";
import { createProvider } from "../../src/providers/provider.ts";
import type { GrantRecord } from "../../src/store/sign-in.ts";
import { MIGRATIONS, migrate } from "../../src/store/sqlite/migrations.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { ctxOf, tempDirs } from "./helpers.ts";

const tempDir = tempDirs("user-grants");
const ctx = ctxOf("test");

const T0 = "2030-01-01T00:00:00.000Z";
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const DAY = 24 * 60;

const userOf = (email: string, disabled = false): UserProps => ({
  email,
  displayName: email,
  roles: [],
  additionalScopes: {},
  disabled,
});

const appOf = (clientId: string, disabled = false): ApplicationProps => ({
  type: "spa",
  clientId,
  secret: { kind: "none" },
  redirectUris: ["https://app.example.com/callback"],
  apis: {},
  tokens: { lifetimeSeconds: 600, includeApiScopesInPermissions: false },
  ...(disabled ? { disabled: true as const } : {}),
});

const grantOf = (id: string, userId: string, clientId = "web"): GrantRecord => ({
  id,
  clientId,
  userId,
  scopes: ["openid", "offline_access"],
  audiences: [],
  granted: { openIdScopes: ["openid", "offline_access"], audiences: [] },
  authTime: Math.floor(Date.parse(T0) / 1000),
  createdAt: T0,
});

/** A redeemed grant `id` with a refresh token `<id>-r1`. */
async function signedIn(store: Store, id: string, userId: string, clientId = "web"): Promise<void> {
  await store.createGrant(grantOf(id, userId, clientId), {
    codeSha256: `code-${id}`,
    grantId: id,
    redirectUri: "https://app.example.com/callback",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    expiresAt: at(10),
  });
  assert.equal((await store.redeemCode(`code-${id}`, at(1))).status, "ok");
  await store.addRefreshToken({ tokenSha256: `${id}-r1`, grantId: id, createdAt: at(1), expiresAt: at(DAY) });
}

/** Whether grant `id`'s refresh token still rotates (the sign-in is live). */
async function rotates(store: Store, id: string, clientId = "web"): Promise<string> {
  const next = { tokenSha256: `${id}-r${Math.random()}`, createdAt: at(2), expiresAt: at(DAY) };
  return (
    await store
      .rotateRefreshToken(`${id}-r1`, clientId, next, at(2), () => {
        throw new Error("probe only"); // a live grant gets here; roll back so the token stays unspent
      })
      .catch((error: Error) => ({ status: error.message }))
  ).status;
}

const put = (store: Store, kind: "User" | "Application", id: string, props: unknown) =>
  store.transaction((tx) => tx.put(kind, id, props, ctx), { ctx });
const remove = (store: Store, kind: "User" | "Application", id: string) =>
  store.transaction((tx) => tx.remove(kind, id, ctx), { ctx });

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(path.join(await tempDir(), "store.db"));
  try {
    await put(store, "Application", "web", appOf("web"));
    await put(store, "User", "alice", userOf("alice@example.com"));
    await put(store, "User", "bob", userOf("bob@example.com"));
    await fn(store);
  } finally {
    await store.close();
  }
}

const revocation = async (store: Store, id: string) => {
  const grant = (await store.grant(id)) ?? assert.fail(`no grant ${id}`);
  return grant.revokedReason;
};

describe("sign-ins end with their user or application", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("disabling a User revokes its grants in that transaction; enabled again, they stay revoked", async () => {
    await withStore(async (store) => {
      await signedIn(store, "a1", "alice");
      await signedIn(store, "b1", "bob");
      assert.equal(await rotates(store, "a1"), "probe only");

      await put(store, "User", "alice", userOf("alice@example.com", true));
      assert.equal(await revocation(store, "a1"), "user disabled");
      assert.equal(await revocation(store, "b1"), undefined, "other users keep their sign-ins");

      await put(store, "User", "alice", userOf("alice@example.com"));
      assert.equal(await revocation(store, "a1"), "user disabled");
      assert.equal(await rotates(store, "a1"), "revoked");
      assert.equal(await rotates(store, "b1"), "probe only");
    });
  });

  test("a transaction that disables a User and then fails revokes nothing", async () => {
    await withStore(async (store) => {
      await signedIn(store, "a1", "alice");
      await assert.rejects(
        store.transaction(
          async (tx) => {
            await tx.put("User", "alice", userOf("alice@example.com", true), ctx);
            throw new Error("a later write failed");
          },
          { ctx },
        ),
        /a later write failed/,
      );
      assert.equal(await revocation(store, "a1"), undefined);
      assert.equal(await rotates(store, "a1"), "probe only");
    });
  });

  test("removing a User revokes its grants; a new User of the same name does not get them", async () => {
    await withStore(async (store) => {
      await signedIn(store, "a1", "alice");
      await remove(store, "User", "alice");
      assert.equal(await revocation(store, "a1"), "user removed");
      await put(store, "User", "alice", userOf("someone.else@example.com"));
      assert.equal(await rotates(store, "a1"), "revoked");
    });
  });

  test("the User provider (what apply, sync and Pulumi's host call) revokes in the provider's transaction", async () => {
    await withStore(async (store) => {
      await signedIn(store, "a1", "alice");
      await signedIn(store, "b1", "bob");
      await store.transaction(
        async (tx) => {
          const users = createProvider("User", { tx, ctx, onSecret: () => undefined });
          const olds = { resourceId: "alice", props: userOf("alice@example.com") };
          await users.update?.("alice", olds, {
            resourceId: "alice",
            props: userOf("alice@example.com", true),
          });
          await users.delete?.("bob", { resourceId: "bob", props: userOf("bob@example.com") });
        },
        { ctx },
      );
      assert.equal(await revocation(store, "a1"), "user disabled");
      assert.equal(await revocation(store, "b1"), "user removed");
    });
  });

  test("a password change revokes the user's grants, and only theirs", async () => {
    await withStore(async (store) => {
      await store.setPassword("alice", "$argon2id$v=19$m=19456,t=2,p=1$first", T0);
      await signedIn(store, "a1", "alice");
      await signedIn(store, "b1", "bob");
      await store.setPassword("alice", "$argon2id$v=19$m=19456,t=2,p=1$second", at(3));
      const grant = (await store.grant("a1")) ?? assert.fail("no grant a1");
      assert.equal(grant.revokedReason, "password changed");
      assert.equal(grant.revokedAt, at(3));
      assert.equal(await revocation(store, "b1"), undefined);
      // A sign-in after the change is live.
      await signedIn(store, "a2", "alice");
      assert.equal(await rotates(store, "a2"), "probe only");
    });
  });

  test("a grant for a user the store has disabled, or not at all, is stored revoked: its code redeems nothing", async () => {
    await withStore(async (store) => {
      await put(store, "User", "bob", userOf("bob@example.com", true));
      for (const [id, userId, reason] of [
        ["b1", "bob", "user disabled"],
        ["m1", "mallory", "user removed"],
      ] as const) {
        await store.createGrant(grantOf(id, userId), {
          codeSha256: `code-${id}`,
          grantId: id,
          redirectUri: "https://app.example.com/callback",
          codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          expiresAt: at(10),
        });
        assert.equal(await revocation(store, id), reason);
        assert.equal((await store.redeemCode(`code-${id}`, at(1))).status, "revoked");
      }
    });
  });

  test("disabling, removing or renumbering an Application revokes the grants of its client id", async () => {
    await withStore(async (store) => {
      await put(store, "Application", "spa", appOf("spa"));
      await put(store, "Application", "cli", appOf("cli"));
      await signedIn(store, "w1", "alice", "web");
      await signedIn(store, "s1", "alice", "spa");
      await signedIn(store, "c1", "bob", "cli");
      await put(store, "Application", "web", appOf("web", true));
      await remove(store, "Application", "spa");
      await put(store, "Application", "cli", appOf("cli-2"));
      assert.equal(await revocation(store, "w1"), "application disabled");
      assert.equal(await revocation(store, "s1"), "application removed");
      assert.equal(await revocation(store, "c1"), "application's client id changed");
      await put(store, "Application", "web", appOf("web"));
      await put(store, "Application", "spa", appOf("spa"));
      assert.equal(await rotates(store, "w1", "web"), "revoked");
      assert.equal(await rotates(store, "s1", "spa"), "revoked");
    });
  });

  test("migration 5 → 6 revokes the live grants of disabled or removed users and applications", async () => {
    const file = path.join(await tempDir(), "v5.db");
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 5));
    const resource = db.prepare(
      "INSERT INTO resources (kind, id, props, managed_by, commit_sha, created_revision, updated_revision) VALUES (?, ?, ?, 'scopectl', NULL, 1, 1)",
    );
    resource.run("User", "alice", JSON.stringify(userOf("alice@example.com")));
    resource.run("User", "carol", JSON.stringify(userOf("carol@example.com", true)));
    resource.run("Application", "web", JSON.stringify(appOf("web")));
    resource.run("Application", "old", JSON.stringify(appOf("old", true)));
    const grant = db.prepare(
      "INSERT INTO grants (id, client_id, user_id, scopes, audiences, auth_time, nonce, created_at, revoked_at, revoked_reason, prune_after, granted) VALUES (?, ?, ?, '[]', '[]', 0, NULL, ?, ?, ?, julianday(?) + 1, ?)",
    );
    const granted = JSON.stringify({ openIdScopes: [], audiences: [] });
    grant.run("live", "web", "alice", T0, null, null, T0, granted);
    grant.run("disabled-user", "web", "carol", T0, null, null, T0, granted);
    grant.run("removed-user", "web", "dave", T0, null, null, T0, granted);
    grant.run("disabled-app", "old", "alice", T0, null, null, T0, granted);
    grant.run("removed-app", "gone", "alice", T0, null, null, T0, granted);
    grant.run("earlier", "web", "carol", T0, at(5), "refresh token reused", T0, granted);
    db.close();

    const store = await openSqliteStore(file);
    try {
      assert.equal(await revocation(store, "live"), undefined);
      for (const id of ["disabled-user", "removed-user", "disabled-app", "removed-app"]) {
        assert.equal(
          await revocation(store, id),
          "store upgrade: its user or application was disabled or removed",
          id,
        );
      }
      const earlier = (await store.grant("earlier")) ?? assert.fail("no grant earlier");
      assert.deepEqual([earlier.revokedAt, earlier.revokedReason], [at(5), "refresh token reused"]);
    } finally {
      await store.close();
    }
  });
});
