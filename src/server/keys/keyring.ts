/**
 * The token service's signing keys: made on first start, kept in the store (sealed with
 * SCOPECTL_MASTER_KEY when it is set), rotated by `scopectl keys rotate`.
 *
 * One key is active per algorithm: the newest unretired one signs. A rotation (or a change of
 * Settings.signingAlg) retires the others; a retired key signs nothing but stays in the JWKS until the
 * last token it can have signed has expired, then disappears and is deleted on the next change.
 *
 * Only the signer's private key is ever decrypted: verification and the JWKS need the public keys alone,
 * so a retired key sealed with an older master key costs nothing (set the new master key and rotate).
 */
import {
  type CryptoKey,
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import { ScopectlError } from "../../core/errors.ts";
import type { SigningAlg } from "../../model/desired.ts";
import type { SigningKeyRecord } from "../../store/signing-keys.ts";
import type { Store } from "../../store/store.ts";
import { decryptPrivateKey, encryptPrivateKey, masterKeyFrom } from "./master-key.ts";

export interface KeyRing {
  /** The keysVersion() it was loaded at. */
  version: number;
  /** Signs new tokens. */
  signer: { kid: string; alg: SigningAlg; key: CryptoKey };
  /** jose key resolver for jwtVerify over the published keys (active + retired-not-expired). */
  verifyKey: (header: { kid?: string; alg?: string }) => Promise<CryptoKey> | CryptoKey;
  /** Public JWKs with kid, alg, use: "sig"; never a private member. */
  jwks: { keys: Record<string, unknown>[] };
}

export interface SigningKeysOptions {
  /** SCOPECTL_MASTER_KEY; unset or empty: keys are stored unencrypted (with a warning). */
  masterKey?: string | undefined;
  warn?: (message: string) => void;
  now?: () => Date;
}

/**
 * A retired key stays published this much longer than the longest token lifetime: replicas that have
 * not reloaded their keys yet may sign with it for a moment after a rotation, and clocks drift.
 */
export const RETIRE_GRACE_SECONDS = 60;

/** Per algorithm: the key type, the curve, and the public members a JWK of it may publish. */
const KEY_SHAPES: Record<SigningAlg, { kty: string; crv?: string; members: readonly string[] }> = {
  RS256: { kty: "RSA", members: ["kty", "n", "e"] },
  ES256: { kty: "EC", crv: "P-256", members: ["kty", "crv", "x", "y"] },
  EdDSA: { kty: "OKP", crv: "Ed25519", members: ["kty", "crv", "x"] },
};

function shapeOf(alg: string, kid?: string): (typeof KEY_SHAPES)[SigningAlg] {
  const shape = Object.hasOwn(KEY_SHAPES, alg) ? KEY_SHAPES[alg as SigningAlg] : undefined;
  if (!shape) {
    const which = kid === undefined ? "" : `signing key ${kid}: `;
    throw new ScopectlError(
      "signing-key.invalid",
      `${which}unknown signing algorithm "${alg}"; expected RS256, ES256 or EdDSA`,
    );
  }
  return shape;
}

/** The published form of a key: its public members only, whatever else the JWK carries. */
function publicJwk(alg: SigningAlg, kid: string, jwk: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(alg, kid);
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) {
    throw new ScopectlError("signing-key.invalid", `signing key ${kid} is not an ${alg} key`);
  }
  const out: Record<string, unknown> = {};
  for (const member of shape.members) {
    if (typeof jwk[member] !== "string")
      throw new ScopectlError("signing-key.invalid", `signing key ${kid}: its public key lacks "${member}"`);
    out[member] = jwk[member];
  }
  return { ...out, kid, alg, use: "sig" };
}

function checkLifetime(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`the longest token lifetime must be a number of seconds >= 0, not ${seconds}`);
  }
}

const at = (time: Date, plusSeconds: number): string =>
  new Date(time.getTime() + plusSeconds * 1000).toISOString();

/** The signer in memory is not extractable: nothing can export it from the running process. */
async function importPrivate(jwk: Record<string, unknown>, alg: SigningAlg): Promise<CryptoKey> {
  return (await importJWK(jwk as JWK, alg, { extractable: false })) as CryptoKey;
}

const isPublished = (record: SigningKeyRecord, now: number): boolean =>
  record.expiresAt === undefined || Date.parse(record.expiresAt) > now;

export class SigningKeys {
  readonly #store: Store;
  readonly #masterKey: string | undefined;
  readonly #warn: (message: string) => void;
  readonly #now: () => Date;
  #warned = false;
  readonly #warnedPlain = new Set<string>();
  /**
   * Imported keys by kid, as promises so that concurrent loads share one import (and one scrypt run).
   * A failed import is dropped, so that the next load tries again (e.g. after a fixed master key).
   */
  readonly #signers = new Map<string, Promise<CryptoKey>>();
  readonly #verifiers = new Map<string, Promise<CryptoKey>>();
  #last: { ring: KeyRing; alg: SigningAlg; validUntil: number } | undefined;

  constructor(store: Store, options: SigningKeysOptions = {}) {
    this.#store = store;
    this.#masterKey = masterKeyFrom(options.masterKey);
    this.#warn = options.warn ?? ((message) => process.emitWarning(message));
    this.#now = options.now ?? (() => new Date());
  }

  version(): Promise<number> {
    return this.#store.keysVersion();
  }

  /**
   * Loads the keys; when no unretired key of `alg` exists (first start, or Settings.signingAlg changed),
   * generates one and adds it, retiring the others until now + maxTokenLifetimeSeconds (+ grace).
   * Returns the last ring as it is while the keys version is unchanged and no published key has expired.
   */
  async load(alg: SigningAlg, maxTokenLifetimeSeconds: number): Promise<KeyRing> {
    shapeOf(alg);
    checkLifetime(maxTokenLifetimeSeconds);
    this.#warnUnencrypted();
    // Two rounds suffice: ours adds a key, or another replica's `onlyIfNoActive` win shows up in the
    // re-read. A third covers a rotation landing in between.
    for (let round = 0; round < 3; round++) {
      // The version first, then the rows: rows newer than their label only cause one extra reload;
      // the other order could label old rows with the new version and miss the change.
      const version = await this.#store.keysVersion();
      const now = this.#now();
      const last = this.#last;
      if (last && last.ring.version === version && last.alg === alg && now.getTime() < last.validUntil) {
        return last.ring;
      }
      const records = await this.#store.signingKeys();
      const signer = records.filter((r) => r.alg === alg && r.retiredAt === undefined).at(-1);
      if (signer) return this.#build(alg, version, records, signer, now);
      await this.#add(alg, maxTokenLifetimeSeconds, true);
    }
    throw new ScopectlError(
      "signing-key.unsettled",
      `could not settle on an active ${alg} signing key: the keys keep changing`,
    );
  }

  /**
   * Makes a new active key of `alg`; the previous keys stay published until now +
   * maxTokenLifetimeSeconds (+ grace). Returns the new kid and the kids it retired.
   */
  async rotate(
    alg: SigningAlg,
    maxTokenLifetimeSeconds: number,
  ): Promise<{ kid: string; retired: string[] }> {
    shapeOf(alg);
    checkLifetime(maxTokenLifetimeSeconds);
    this.#warnUnencrypted();
    const before = new Set(
      (await this.#store.signingKeys()).filter((r) => r.retiredAt === undefined).map((r) => r.kid),
    );
    const { kid, now } = await this.#add(alg, maxTokenLifetimeSeconds, false);
    const after = await this.#store.signingKeys();
    const retired = after.filter((r) => before.has(r.kid) && r.retiredAt === now).map((r) => r.kid);
    return { kid, retired };
  }

  #warnUnencrypted(): void {
    if (this.#masterKey !== undefined || this.#warned) return;
    this.#warned = true;
    // The Store interface names no file; the SQLite store has one, and it is worth naming.
    const file = (this.#store as { file?: unknown }).file;
    const where = typeof file === "string" ? file : "the store";
    this.#warn(`SCOPECTL_MASTER_KEY is not set: signing keys are stored unencrypted in ${where}`);
  }

  /** Generates a key of `alg` and adds it; with `onlyIfNoActive`, adds nothing if one exists. */
  async #add(
    alg: SigningAlg,
    maxTokenLifetimeSeconds: number,
    onlyIfNoActive: boolean,
  ): Promise<{ kid: string; now: string; added: boolean }> {
    // A store whose keys are sealed must not get an unsealed one because the variable was forgotten.
    if (this.#masterKey === undefined && (await this.#store.signingKeys()).some((r) => r.encrypted)) {
      throw new ScopectlError(
        "master-key.missing",
        "the signing keys of this store are encrypted at rest; set SCOPECTL_MASTER_KEY so that the new key is encrypted too",
      );
    }
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const privateJwk = (await exportJWK(privateKey)) as Record<string, unknown>;
    const kid = await calculateJwkThumbprint((await exportJWK(publicKey)) as JWK, "sha256");
    const time = this.#now();
    const now = time.toISOString();
    const record: SigningKeyRecord = {
      kid,
      alg,
      publicJwk: publicJwk(alg, kid, privateJwk),
      privateKey:
        this.#masterKey === undefined
          ? JSON.stringify(privateJwk)
          : await encryptPrivateKey(privateJwk, kid, this.#masterKey),
      encrypted: this.#masterKey !== undefined,
      createdAt: now,
    };
    const added = await this.#store.addSigningKey(record, {
      retireUntil: at(time, maxTokenLifetimeSeconds + RETIRE_GRACE_SECONDS),
      now,
      ...(onlyIfNoActive ? { onlyIfNoActive: alg } : {}),
    });
    // We hold the private key already: a later load needs no decryption (nor scrypt) for it.
    if (added) this.#cached(this.#signers, kid, () => importPrivate(privateJwk, alg));
    return { kid, now, added };
  }

  async #build(
    alg: SigningAlg,
    version: number,
    records: readonly SigningKeyRecord[],
    active: SigningKeyRecord,
    time: Date,
  ): Promise<KeyRing> {
    const now = time.getTime();
    // Newest first: the signer leads the JWKS.
    const published = records.filter((r) => isPublished(r, now) || r === active).reverse();
    const jwks = published.map((r) => publicJwk(r.alg, r.kid, r.publicJwk));
    const [signerKey, ...verifiers] = await Promise.all([
      this.#signerKey(active),
      ...published.map((r, i) => this.#verifierKey(r, jwks[i] as Record<string, unknown>)),
    ]);
    const byKid = new Map<string, { alg: string; key: CryptoKey }>();
    published.forEach((r, i) => {
      byKid.set(r.kid, { alg: r.alg, key: verifiers[i] as CryptoKey });
    });
    // Forget keys that are gone, so that the caches do not grow with every rotation.
    for (const cache of [this.#signers, this.#verifiers]) {
      for (const kid of cache.keys()) if (!byKid.has(kid)) cache.delete(kid);
    }
    for (const kid of this.#signers.keys()) if (kid !== active.kid) this.#signers.delete(kid);

    const ring: KeyRing = Object.freeze({
      version,
      signer: Object.freeze({ kid: active.kid, alg, key: signerKey as CryptoKey }),
      verifyKey: (header: { kid?: string; alg?: string }) => {
        const entry = header.kid === undefined ? undefined : byKid.get(header.kid);
        // An alg other than the key's is no match either: a key is published for one algorithm.
        if (!entry || entry.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
        return entry.key;
      },
      jwks: Object.freeze({
        keys: Object.freeze(jwks.map((k) => Object.freeze(k))) as Record<string, unknown>[],
      }),
    });
    // The ring stays good until the next published key expires (it must then leave the JWKS).
    const expiries = published
      .map((r) => (r.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(r.expiresAt)))
      .filter((t) => t > now);
    this.#last = { ring, alg, validUntil: Math.min(Number.POSITIVE_INFINITY, ...expiries) };
    return ring;
  }

  #signerKey(record: SigningKeyRecord): Promise<CryptoKey> {
    return this.#cached(this.#signers, record.kid, async () => {
      const jwk = record.encrypted
        ? await decryptPrivateKey(record.privateKey, record.kid, this.#masterKey)
        : this.#plainPrivateKey(record);
      if (typeof jwk.d !== "string")
        throw new ScopectlError("signing-key.invalid", `signing key ${record.kid} has no private key`);
      // A private key that belongs to another public key would sign tokens nobody can verify.
      if ((await calculateJwkThumbprint(jwk as JWK, "sha256")) !== record.kid) {
        throw new ScopectlError(
          "signing-key.invalid",
          `signing key ${record.kid}: its private key does not match its kid`,
        );
      }
      return importPrivate(jwk, record.alg);
    });
  }

  #plainPrivateKey(record: SigningKeyRecord): Record<string, unknown> {
    if (this.#masterKey !== undefined && !this.#warnedPlain.has(record.kid)) {
      this.#warnedPlain.add(record.kid);
      this.#warn(
        `signing key ${record.kid} is stored unencrypted although SCOPECTL_MASTER_KEY is set; \`scopectl keys rotate\` replaces it with an encrypted one`,
      );
    }
    try {
      return JSON.parse(record.privateKey) as Record<string, unknown>;
    } catch {
      throw new ScopectlError(
        "signing-key.invalid",
        `signing key ${record.kid}: its stored private key is not a JWK`,
      );
    }
  }

  #verifierKey(record: SigningKeyRecord, jwk: Record<string, unknown>): Promise<CryptoKey> {
    return this.#cached(this.#verifiers, record.kid, async () => {
      return (await importJWK(jwk as JWK, record.alg)) as CryptoKey;
    });
  }

  #cached(
    cache: Map<string, Promise<CryptoKey>>,
    kid: string,
    make: () => Promise<CryptoKey>,
  ): Promise<CryptoKey> {
    let key = cache.get(kid);
    if (!key) {
      key = make();
      cache.set(kid, key);
      key.catch(() => {
        if (cache.get(kid) === key) cache.delete(kid);
      });
    }
    return key;
  }
}
