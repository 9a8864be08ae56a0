/**
 * The signing keys on SQLite: the `signing_keys` table and the keys version in `meta`. A key rotation
 * is one write transaction on the writer connection, queued behind the store's other writes and under
 * SQLite's write lock (so that the onlyIfNoActive check and the insert see the same keys in every
 * process), but without a revision: keys are not manifest resources.
 */
import type Database from "better-sqlite3";
import { checkTime } from "../checks.ts";
import { KEY_COLUMNS, toSigningKey } from "../records.ts";
import type { AddSigningKeyOptions, SigningKeyRecord, SigningKeyStore } from "../signing-keys.ts";
import type { Row, SqliteDatabase } from "./database.ts";

/** The reads, on the reader connection. */
class KeyReads {
  readonly keysVersion: Database.Statement<[], number>;
  readonly signingKeys: Database.Statement<[], Row>;

  constructor(db: Database.Database) {
    this.keysVersion = db.prepare<[], number>("SELECT keys_version FROM meta WHERE id = 1").pluck();
    // rowid breaks ties between keys created in the same millisecond: insertion order.
    this.signingKeys = db
      .prepare<[], Row>(`SELECT ${KEY_COLUMNS} FROM signing_keys ORDER BY created_at, rowid`)
      .raw();
  }
}

/** The writes, on the writer connection. */
class KeyWrites {
  readonly activeKeyOf: Database.Statement<[string], number>;
  readonly pruneKeys: Database.Statement<[string]>;
  readonly retireKeys: Database.Statement<[string, string]>;
  readonly insertKey: Database.Statement<
    [string, string, string, string, number, string, string | null, string | null]
  >;
  readonly bumpKeysVersion: Database.Statement<[]>;

  constructor(db: Database.Database) {
    this.activeKeyOf = db
      .prepare<[string], number>("SELECT 1 FROM signing_keys WHERE alg = ? AND retired_at IS NULL LIMIT 1")
      .pluck();
    // julianday() compares instants, whatever ISO 8601 form (offset, precision) a caller wrote.
    this.pruneKeys = db.prepare(
      "DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND julianday(expires_at) <= julianday(?)",
    );
    this.retireKeys = db.prepare(
      "UPDATE signing_keys SET retired_at = ?, expires_at = ? WHERE retired_at IS NULL",
    );
    this.insertKey = db.prepare(`INSERT INTO signing_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.bumpKeysVersion = db.prepare("UPDATE meta SET keys_version = keys_version + 1 WHERE id = 1");
  }
}

export class SqliteSigningKeys implements SigningKeyStore {
  readonly #db: SqliteDatabase;
  readonly #reads: KeyReads;
  readonly #writes: KeyWrites;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#reads = new KeyReads(db.reader);
    this.#writes = new KeyWrites(db.writer);
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    this.#db.assertOpen();
    return this.#reads.signingKeys.all().map(toSigningKey);
  }

  async keysVersion(): Promise<number> {
    this.#db.assertOpen();
    return this.#reads.keysVersion.get() as number;
  }

  addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    return this.#db.enqueue(() => this.#addSigningKey(key, options));
  }

  async #addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    const db = this.#db;
    db.assertOpen();
    checkTime("now", options.now);
    checkTime("retireUntil", options.retireUntil);
    checkTime("the key's createdAt", key.createdAt);
    const publicJwk = JSON.stringify(key.publicJwk);
    await db.begin();
    try {
      const writes = this.#writes;
      if (options.onlyIfNoActive !== undefined && writes.activeKeyOf.get(options.onlyIfNoActive) === 1) {
        db.writer.exec("ROLLBACK");
        return false;
      }
      // Prune first: the keys retired below expire in the future and must survive this call.
      writes.pruneKeys.run(options.now);
      writes.retireKeys.run(options.now, options.retireUntil);
      writes.insertKey.run(
        key.kid,
        key.alg,
        publicJwk,
        key.privateKey,
        key.encrypted ? 1 : 0,
        key.createdAt,
        key.retiredAt ?? null,
        key.expiresAt ?? null,
      );
      writes.bumpKeysVersion.run();
      db.commit();
      return true;
    } catch (error) {
      db.rollback();
      throw error;
    }
  }
}
