/**
 * The token signing keys: runtime state the token service makes and rotates itself. Keys are not
 * manifest resources, so they live beside the resources, never move the store revision and never show
 * in a plan; a version counter of their own tells a token service when to reload them.
 * Backend-neutral: every Store implementation keeps this shape.
 */

import type { SigningAlg } from "../model/desired.ts";

/** One token signing key. Times are ISO 8601 (UTC) strings. */
export interface SigningKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlg;
  /** The public JWK as published (kid, alg, use and the public members only). */
  publicJwk: Record<string, unknown>;
  /** The private JWK as JSON text, or (when `encrypted`) the master-key envelope around it. */
  privateKey: string;
  encrypted: boolean;
  createdAt: string;
  /** When a newer key replaced it: it signs nothing from then on but stays published. */
  retiredAt?: string;
  /** When the last token it signed has expired: from then on it is not published, and it is deleted. */
  expiresAt?: string;
}

export interface AddSigningKeyOptions {
  /** The `expiresAt` of the keys this one retires. */
  retireUntil: string;
  now: string;
  /** Add nothing (and return false) when an unretired key of this alg exists already. */
  onlyIfNoActive?: SigningAlg;
}

export interface SigningKeyStore {
  /** Every signing key, oldest first. */
  signingKeys(): Promise<SigningKeyRecord[]>;
  /**
   * A counter bumped by every change to the signing keys; cheap, so that a token service can poll it
   * (with `revision()`) and reload its keys only when it moves.
   */
  keysVersion(): Promise<number>;
  /**
   * In one write transaction: insert `key`; set retiredAt = now and expiresAt = retireUntil on every
   * key that is not yet retired; delete keys whose expiresAt has passed; bump the keys version. If
   * `onlyIfNoActive` is given and an unretired key with that alg already exists, do nothing and return
   * false (two token service replicas starting at once create one key).
   */
  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean>;
}
