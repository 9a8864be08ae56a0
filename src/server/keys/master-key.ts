/**
 * Encryption at rest of signing keys with `SCOPECTL_MASTER_KEY`, using node:crypto's primitives only.
 *
 * Per record: a 256-bit key derived with scrypt from the master key and a random salt (so one master
 * key never encrypts two records with the same AES key), AES-256-GCM with a random 12-byte IV, and the
 * kid as additional authenticated data, so that an envelope copied onto another key's row does not
 * decrypt. The envelope is JSON, binary fields in base64url; `v: 1` fixes the scrypt parameters below.
 *
 * No message here carries key material: errors name the kid only.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { ScopectlError } from "../../core/errors.ts";

/** scrypt cost of envelope v1: N = 2^15, r = 8, p = 1 (about 32 MiB and tens of ms per record). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Envelope {
  v: 1;
  kdf: "scrypt";
  salt: string;
  iv: string;
  tag: string;
  ct: string;
}

/** The master key: undefined when the variable is unset or empty (an empty key protects nothing). */
export function masterKeyFrom(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function deriveKey(masterKey: string, salt: Buffer): Promise<Buffer> {
  // Async: scrypt takes tens of milliseconds, and a token service must keep answering meanwhile.
  return new Promise((resolve, reject) => {
    scrypt(masterKey, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const b64 = (bytes: Buffer): string => bytes.toString("base64url");

/** Seals the private JWK of key `kid`; returns the envelope as JSON text. */
export async function encryptPrivateKey(
  jwk: Record<string, unknown>,
  kid: string,
  masterKey: string,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveKey(masterKey, salt);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(kid, "utf8"));
  const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), "utf8"), cipher.final()]);
  const envelope: Envelope = {
    v: 1,
    kdf: "scrypt",
    salt: b64(salt),
    iv: b64(iv),
    tag: b64(cipher.getAuthTag()),
    ct: b64(ct),
  };
  return JSON.stringify(envelope);
}

/** `master-key.missing` when SCOPECTL_MASTER_KEY is needed and not set, else `master-key.invalid`. */
export class MasterKeyError extends ScopectlError {
  declare readonly code: "master-key.missing" | "master-key.invalid";

  constructor(
    readonly kid: string,
    message: string,
    code: "master-key.missing" | "master-key.invalid" = "master-key.invalid",
  ) {
    super(code, message);
    this.name = "MasterKeyError";
  }
}

function parseEnvelope(text: string, kid: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const e = value as Partial<Envelope> | undefined;
  const fields = [e?.salt, e?.iv, e?.tag, e?.ct];
  if (e?.v !== 1 || e.kdf !== "scrypt" || fields.some((f) => typeof f !== "string")) {
    throw new MasterKeyError(
      kid,
      `signing key ${kid} is stored encrypted in a form this scopectl does not know (expected envelope v1 with scrypt)`,
    );
  }
  return e as Envelope;
}

/** Opens the envelope of key `kid`; throws a MasterKeyError that names the kid when it cannot. */
export async function decryptPrivateKey(
  envelopeText: string,
  kid: string,
  masterKey: string | undefined,
): Promise<Record<string, unknown>> {
  if (masterKey === undefined) {
    throw new MasterKeyError(
      kid,
      `signing key ${kid} is encrypted at rest; set SCOPECTL_MASTER_KEY to the key it was encrypted with`,
      "master-key.missing",
    );
  }
  const envelope = parseEnvelope(envelopeText, kid);
  const iv = Buffer.from(envelope.iv, "base64url");
  const tag = Buffer.from(envelope.tag, "base64url");
  const wrong = new MasterKeyError(kid, `SCOPECTL_MASTER_KEY does not decrypt signing key ${kid}`);
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw wrong;
  const key = await deriveKey(masterKey, Buffer.from(envelope.salt, "base64url"));
  let plain: string;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(kid, "utf8"));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([
      decipher.update(Buffer.from(envelope.ct, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    // GCM's tag check failed: a different master key, or an envelope changed or moved to another kid.
    throw wrong;
  }
  return JSON.parse(plain) as Record<string, unknown>;
}
