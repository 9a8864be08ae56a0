/**
 * Sign-ins end with the user or application they belong to, in the store's own transaction: disabling
 * or removing a User (or an Application) revokes its grants in the same transaction as the change,
 * whoever makes it (scopectl apply and sync, or Pulumi, through the resource providers), so a re-enabled
 * or re-created one starts without them. A password change revokes the user's grants too. A grant made
 * for a user the store has disabled or not at all is stored revoked. And migration 6 revokes the live
 * grants an older store kept for disabled or removed users and applications (that is in sqlite.test.ts).
 * The store contract (issue 14): on every backend (test/support/stores.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createProvider } from "../../src/providers/provider.ts";
import type { GrantRecord } from "../../src/store/sign-in.ts";
import type { Store } from "../../src/store/store.ts";
import { forEachStore, STORE_TEST_TIMEOUT_MS, type StoreBackend, withStore } from "../support/stores.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { appOf, at, DAY, revocation, T0, userOf } from "./fixtures/sign-in.ts";
import { ctxOf } from "./helpers.ts";

const ctx = ctxOf("test");

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

/** A new store holding the Application `web` and the Users alice and bob. */
const inNewStore = (backend: StoreBackend, fn: (store: Store) => Promise<void>): Promise<void> =>
  withStore(backend, async ({ store }) => {
    await put(store, "Application", "web", appOf("web"));
    await put(store, "User", "alice", userOf("alice@example.com"));
    await put(store, "User", "bob", userOf("bob@example.com"));
    await fn(store);
  });

forEachStore((backend) => {
  describe(`sign-ins end with their user or application (${backend.name} store)`, {
    timeout: SUITE_TIMEOUT_MS,
  }, () => {
    test("disabling a User revokes its grants in that transaction; enabled again, they stay revoked", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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

    test("a transaction that disables a User and then fails revokes nothing", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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

    test("removing a User revokes its grants; a new User of the same name does not get them", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
        await signedIn(store, "a1", "alice");
        await remove(store, "User", "alice");
        assert.equal(await revocation(store, "a1"), "user removed");
        await put(store, "User", "alice", userOf("someone.else@example.com"));
        assert.equal(await rotates(store, "a1"), "revoked");
      });
    });

    test("the User provider (what apply, sync and Pulumi's host call) revokes in the provider's transaction", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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

    test("a password change revokes the user's grants, and only theirs", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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

    test("a grant for a user the store has disabled, or not at all, is stored revoked: its code redeems nothing", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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

    test("disabling, removing or renumbering an Application revokes the grants of its client id", {
      timeout: STORE_TEST_TIMEOUT_MS,
    }, async () => {
      await inNewStore(backend, async (store) => {
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
  });
});
