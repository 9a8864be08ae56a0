/** Signing keys on a real SQLite store: generation, JWKS, encryption at rest, rotation, alg changes. */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { calculateJwkThumbprint, createLocalJWKSet, errors, type JWK, jwtVerify, SignJWT } from "jose";
import type { SigningAlg } from "../../src/model/desired.ts";
import type { StoredResource } from "../../src/model/resources.ts";
import { type KeyRing, RETIRE_GRACE_SECONDS, SigningKeys } from "../../src/server/keys/keyring.ts";
import { maxTokenLifetimeSeconds } from "../../src/server/keys/lifetime.ts";
import { decryptPrivateKey } from "../../src/server/keys/master-key.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { tempDirs } from "../store/helpers.ts";

const tempDir = tempDirs("signing");
const ALGS: SigningAlg[] = ["RS256", "ES256", "EdDSA"];
const HOUR = 3600;
const MASTER = "correct horse battery staple";

/** A store in a temp folder, closed after the test. */
async function storeFor(t: test.TestContext): Promise<{ store: Store; file: string }> {
  const file = path.join(await tempDir(), "store.db");
  const store = await openSqliteStore(file);
  t.after(() => store.close());
  return { store, file };
}

/** A clock tests move by hand. */
function clock(start = "2030-01-01T00:00:00.000Z") {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    advance: (seconds: number) => {
      time += seconds * 1000;
    },
  };
}

const quiet = () => {};

async function sign(ring: KeyRing, at: Date, subject = "client"): Promise<string> {
  const iat = Math.floor(at.getTime() / 1000);
  return new SignJWT({ client_id: subject })
    .setProtectedHeader({ alg: ring.signer.alg, kid: ring.signer.kid, typ: "at+jwt" })
    .setSubject(subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + HOUR)
    .sign(ring.signer.key);
}

const PUBLIC_MEMBERS: Record<SigningAlg, string[]> = {
  RS256: ["alg", "e", "kid", "kty", "n", "use"],
  ES256: ["alg", "crv", "kid", "kty", "use", "x", "y"],
  EdDSA: ["alg", "crv", "kid", "kty", "use", "x"],
};

describe("SigningKeys: first start", () => {
  for (const alg of ALGS) {
    test(`generates a ${alg} key that signs tokens verifiable by verifyKey and by the JWKS`, async (t) => {
      const { store } = await storeFor(t);
      const keys = new SigningKeys(store, { warn: quiet });
      const ring = await keys.load(alg, HOUR);
      assert.equal(ring.version, 1);
      assert.equal(ring.signer.alg, alg);
      assert.equal(ring.signer.key.extractable, false);
      assert.equal(ring.jwks.keys.length, 1);
      const [published] = ring.jwks.keys;
      assert.deepEqual(Object.keys(published ?? {}).sort(), PUBLIC_MEMBERS[alg]);
      assert.equal(published?.kid, ring.signer.kid);
      assert.equal(published?.use, "sig");
      // kid is the RFC 7638 thumbprint of the public key.
      assert.equal(await calculateJwkThumbprint(published as JWK, "sha256"), ring.signer.kid);

      const now = new Date();
      const token = await sign(ring, now);
      const viaResolver = await jwtVerify(token, ring.verifyKey, { currentDate: now });
      assert.equal(viaResolver.protectedHeader.kid, ring.signer.kid);
      assert.equal(viaResolver.payload.sub, "client");
      const viaJwks = await jwtVerify(token, createLocalJWKSet(ring.jwks as { keys: JWK[] }), {
        currentDate: now,
      });
      assert.equal(viaJwks.protectedHeader.alg, alg);

      const rows = await store.signingKeys();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.encrypted, false);
      assert.equal(typeof (JSON.parse(rows[0]?.privateKey ?? "{}") as { d?: unknown }).d, "string");
    });
  }

  test("a reload at the same version returns the cached ring and key; another instance reuses the stored key", async (t) => {
    const { store } = await storeFor(t);
    const keys = new SigningKeys(store, { warn: quiet });
    const first = await keys.load("ES256", HOUR);
    const second = await keys.load("ES256", HOUR);
    assert.equal(second, first);
    assert.equal(second.signer.key, first.signer.key);
    assert.equal(await keys.version(), 1);

    const other = await new SigningKeys(store, { warn: quiet }).load("ES256", HOUR);
    assert.equal(other.signer.kid, first.signer.kid);
    assert.equal((await store.signingKeys()).length, 1);
  });

  test("two replicas starting at once on one file make one key", async (t) => {
    const { store, file } = await storeFor(t);
    const replica = await openSqliteStore(file);
    t.after(() => replica.close());
    const [a, b] = await Promise.all([
      new SigningKeys(store, { warn: quiet }).load("RS256", HOUR),
      new SigningKeys(replica, { warn: quiet }).load("RS256", HOUR),
    ]);
    assert.equal(a.signer.kid, b.signer.kid);
    assert.equal((await store.signingKeys()).length, 1);
  });

  test("verifyKey knows only published kids, each for its own alg", async (t) => {
    const { store } = await storeFor(t);
    const ring = await new SigningKeys(store, { warn: quiet }).load("RS256", HOUR);
    assert.throws(() => ring.verifyKey({ kid: "nope", alg: "RS256" }), errors.JWKSNoMatchingKey);
    assert.throws(() => ring.verifyKey({ alg: "RS256" }), errors.JWKSNoMatchingKey);
    assert.throws(() => ring.verifyKey({ kid: ring.signer.kid, alg: "ES256" }), errors.JWKSNoMatchingKey);
    assert.ok(await ring.verifyKey({ kid: ring.signer.kid, alg: "RS256" }));
  });
});

describe("SigningKeys: encryption at rest", () => {
  test("with a master key, the stored private key is an envelope with no key text in it", async (t) => {
    const { store } = await storeFor(t);
    const ring = await new SigningKeys(store, { masterKey: MASTER, warn: quiet }).load("EdDSA", HOUR);
    const [row] = await store.signingKeys();
    assert.ok(row);
    assert.equal(row.encrypted, true);
    const envelope = JSON.parse(row.privateKey) as Record<string, unknown>;
    assert.deepEqual(Object.keys(envelope).sort(), ["ct", "iv", "kdf", "salt", "tag", "v"]);
    assert.equal(envelope.v, 1);
    assert.equal(envelope.kdf, "scrypt");
    assert.equal("d" in envelope, false);
    const jwk = await decryptPrivateKey(row.privateKey, row.kid, MASTER);
    assert.equal(typeof jwk.d, "string");
    assert.equal(row.privateKey.includes(jwk.d as string), false);
    assert.equal(row.privateKey.includes(MASTER), false);
    assert.equal(JSON.stringify(row.publicJwk).includes(jwk.d as string), false);
    // A new instance with the same master key decrypts it and signs with the same kid.
    const again = await new SigningKeys(store, { masterKey: MASTER, warn: quiet }).load("EdDSA", HOUR);
    assert.equal(again.signer.kid, ring.signer.kid);
    const now = new Date();
    await jwtVerify(await sign(again, now), ring.verifyKey, { currentDate: now });
  });

  test("a missing or wrong master key is one clear error that names the kid and no key material", async (t) => {
    const { store } = await storeFor(t);
    const { signer } = await new SigningKeys(store, { masterKey: MASTER, warn: quiet }).load("RS256", HOUR);
    await assert.rejects(new SigningKeys(store, { warn: quiet }).load("RS256", HOUR), {
      message: `signing key ${signer.kid} is encrypted at rest; set SCOPECTL_MASTER_KEY to the key it was encrypted with`,
    });
    await assert.rejects(new SigningKeys(store, { masterKey: "", warn: quiet }).load("RS256", HOUR), {
      message: `signing key ${signer.kid} is encrypted at rest; set SCOPECTL_MASTER_KEY to the key it was encrypted with`,
    });
    await assert.rejects(new SigningKeys(store, { masterKey: "not it", warn: quiet }).load("RS256", HOUR), {
      message: `SCOPECTL_MASTER_KEY does not decrypt signing key ${signer.kid}`,
    });
    // Nothing was added by the failed loads.
    assert.equal((await store.signingKeys()).length, 1);
  });

  test("an envelope moved onto another kid's row does not decrypt (the kid is authenticated)", async (t) => {
    const { store, file } = await storeFor(t);
    const keys = new SigningKeys(store, { masterKey: MASTER, warn: quiet });
    await keys.load("ES256", HOUR);
    await keys.rotate("ES256", HOUR);
    const [old, current] = await store.signingKeys();
    assert.ok(old && current);
    const db = new Database(file);
    db.prepare("UPDATE signing_keys SET private_key = ? WHERE kid = ?").run(old.privateKey, current.kid);
    db.close();
    await assert.rejects(new SigningKeys(store, { masterKey: MASTER, warn: quiet }).load("ES256", HOUR), {
      message: `SCOPECTL_MASTER_KEY does not decrypt signing key ${current.kid}`,
    });
  });

  test("an unencrypted private key that belongs to another public key is refused", async (t) => {
    const { store, file } = await storeFor(t);
    const keys = new SigningKeys(store, { warn: quiet });
    await keys.load("ES256", HOUR);
    await keys.rotate("ES256", HOUR);
    const [old, current] = await store.signingKeys();
    assert.ok(old && current);
    const db = new Database(file);
    db.prepare("UPDATE signing_keys SET private_key = ? WHERE kid = ?").run(old.privateKey, current.kid);
    db.close();
    await assert.rejects(new SigningKeys(store, { warn: quiet }).load("ES256", HOUR), {
      message: `signing key ${current.kid}: its private key does not match its kid`,
    });
  });

  test("without a master key: one warning per instance that names the store file; with one: none", async (t) => {
    const { store, file } = await storeFor(t);
    const warnings: string[] = [];
    const keys = new SigningKeys(store, { warn: (m) => warnings.push(m) });
    await keys.load("RS256", HOUR);
    await keys.load("RS256", HOUR);
    await keys.rotate("RS256", HOUR);
    assert.deepEqual(warnings, [
      `SCOPECTL_MASTER_KEY is not set: signing keys are stored unencrypted in ${file}`,
    ]);

    const { store: other } = await storeFor(t);
    const none: string[] = [];
    await new SigningKeys(other, { masterKey: MASTER, warn: (m) => none.push(m) }).load("RS256", HOUR);
    assert.deepEqual(none, []);
  });

  test("setting a master key later: the unencrypted signer still works, with a warning to rotate", async (t) => {
    const { store } = await storeFor(t);
    const { signer } = await new SigningKeys(store, { warn: quiet }).load("RS256", HOUR);
    const warnings: string[] = [];
    const keys = new SigningKeys(store, { masterKey: MASTER, warn: (m) => warnings.push(m) });
    assert.equal((await keys.load("RS256", HOUR)).signer.kid, signer.kid);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /is stored unencrypted although SCOPECTL_MASTER_KEY is set/);
    // Rotating makes an encrypted key; the old one is only published, never decrypted again.
    await keys.rotate("RS256", HOUR);
    const rows = await store.signingKeys();
    assert.deepEqual(
      rows.map((r) => r.encrypted),
      [false, true],
    );
  });
});

describe("SigningKeys: rotation and algorithm changes", () => {
  test("rotate: the old key stays published until its tokens have expired, then leaves the JWKS", async (t) => {
    const { store } = await storeFor(t);
    const time = clock();
    const keys = new SigningKeys(store, { warn: quiet, now: time.now });
    const before = await keys.load("RS256", HOUR);
    const oldToken = await sign(before, time.now(), "old");

    time.advance(600);
    const rotatedAt = time.now();
    const { kid, retired } = await keys.rotate("RS256", HOUR);
    assert.deepEqual(retired, [before.signer.kid]);
    const after = await keys.load("RS256", HOUR);
    assert.notEqual(after, before);
    assert.equal(after.version, 2);
    assert.equal(after.signer.kid, kid);
    assert.deepEqual(
      after.jwks.keys.map((k) => k.kid),
      [kid, before.signer.kid],
    );
    const row = (await store.signingKeys()).find((r) => r.kid === before.signer.kid);
    assert.equal(row?.retiredAt, rotatedAt.toISOString());
    assert.equal(
      row?.expiresAt,
      new Date(rotatedAt.getTime() + (HOUR + RETIRE_GRACE_SECONDS) * 1000).toISOString(),
    );

    // Tokens signed before the rotation still verify; new ones carry the new kid.
    await jwtVerify(oldToken, after.verifyKey, { currentDate: time.now() });
    await jwtVerify(oldToken, createLocalJWKSet(after.jwks as { keys: JWK[] }), { currentDate: time.now() });
    const newToken = await sign(after, time.now(), "new");
    const verified = await jwtVerify(newToken, after.verifyKey, { currentDate: time.now() });
    assert.equal(verified.protectedHeader.kid, kid);

    // Just before the old key's expiry it is still published (same version: the cached ring).
    time.advance(HOUR + RETIRE_GRACE_SECONDS - 1);
    assert.equal(await keys.load("RS256", HOUR), after);
    // Once it has expired it leaves the JWKS although the version has not moved.
    time.advance(2);
    const later = await keys.load("RS256", HOUR);
    assert.equal(later.version, 2);
    assert.deepEqual(
      later.jwks.keys.map((k) => k.kid),
      [kid],
    );
    assert.throws(() => later.verifyKey({ kid: before.signer.kid, alg: "RS256" }), errors.JWKSNoMatchingKey);
    assert.equal(later.signer.key, after.signer.key);

    // The next change deletes it from the store.
    const next = await keys.rotate("RS256", HOUR);
    assert.deepEqual(next.retired, [kid]);
    assert.deepEqual(
      (await store.signingKeys()).map((r) => r.kid),
      [kid, next.kid],
    );
  });

  test("a change of algorithm generates a key of the new alg and retires the old one", async (t) => {
    const { store } = await storeFor(t);
    const time = clock();
    const keys = new SigningKeys(store, { warn: quiet, now: time.now });
    const rs = await keys.load("RS256", HOUR);
    const rsToken = await sign(rs, time.now());
    time.advance(60);
    const es = await keys.load("ES256", 2 * HOUR);
    assert.equal(es.signer.alg, "ES256");
    assert.notEqual(es.signer.kid, rs.signer.kid);
    assert.equal(es.version, 2);
    assert.deepEqual(
      es.jwks.keys.map((k) => [k.kid, k.alg]),
      [
        [es.signer.kid, "ES256"],
        [rs.signer.kid, "RS256"],
      ],
    );
    await jwtVerify(rsToken, es.verifyKey, { currentDate: time.now() });
    const rows = await store.signingKeys();
    assert.equal(
      rows[0]?.expiresAt,
      new Date(time.now().getTime() + (2 * HOUR + RETIRE_GRACE_SECONDS) * 1000).toISOString(),
    );
    // Going back to RS256 makes a new RS256 key: a retired key never signs again.
    const back = await keys.load("RS256", HOUR);
    assert.equal(back.signer.alg, "RS256");
    assert.notEqual(back.signer.kid, rs.signer.kid);
  });

  test("bad arguments are clear errors", async (t) => {
    const { store } = await storeFor(t);
    const keys = new SigningKeys(store, { warn: quiet });
    await assert.rejects(keys.load("HS256" as SigningAlg, HOUR), {
      message: 'unknown signing algorithm "HS256"; expected RS256, ES256 or EdDSA',
    });
    await assert.rejects(keys.rotate("RS256", Number.NaN), /longest token lifetime must be a number/);
    assert.deepEqual(await store.signingKeys(), []);
  });
});

describe("maxTokenLifetimeSeconds", () => {
  const stored = { managedBy: "scopectl", createdRevision: 1, updatedRevision: 1 };
  const settings = (seconds: number): StoredResource => ({
    ...stored,
    kind: "Settings",
    id: "default",
    props: {
      issuer: "https://id.example.com",
      signingAlg: "RS256",
      accessTokenLifetimeSeconds: seconds,
      managementAudience: "https://id.example.com/v1",
    },
  });
  const app = (id: string, seconds: number): StoredResource => ({
    ...stored,
    kind: "Application",
    id,
    props: {
      type: "m2m",
      clientId: id,
      secret: { kind: "generated" },
      redirectUris: [],
      apis: {},
      tokens: { lifetimeSeconds: seconds, includeApiScopesInPermissions: false },
    },
  });

  test("is 3600 without a Settings row, else the Settings lifetime, raised by any longer application", () => {
    assert.equal(maxTokenLifetimeSeconds([]), 3600);
    assert.equal(maxTokenLifetimeSeconds([app("a", 600)]), 3600);
    assert.equal(maxTokenLifetimeSeconds([settings(300), app("a", 600), app("b", 120)]), 600);
    assert.equal(maxTokenLifetimeSeconds([settings(900), app("a", 600)]), 900);
    assert.equal(maxTokenLifetimeSeconds([app("a", 86400), settings(60)]), 86400);
  });
});
