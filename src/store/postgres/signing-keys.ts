/**
 * The signing keys on PostgreSQL: the `signing_keys` table and the counter in `signing_keys_version`.
 * A key rotation is one transaction that first locks the counter's row: that lock serializes rotations
 * across replicas (so that the onlyIfNoActive check and the insert see the same keys everywhere: two
 * replicas starting at once create one key), and it is a lock of its own, never the `meta` row an
 * apply holds, so a rotation never waits for an apply. The commit notifies `keys` on the change channel.
 */
import { checkTime } from "../checks.ts";
import { KEY_COLUMNS, toSigningKey } from "../records.ts";
import type { AddSigningKeyOptions, SigningKeyRecord, SigningKeyStore } from "../signing-keys.ts";
import { CHANGES_CHANNEL, type PostgresDatabase, rows } from "./database.ts";
import { instant } from "./times.ts";

export class PostgresSigningKeys implements SigningKeyStore {
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    // seq breaks ties between keys created in the same millisecond: insertion order.
    const found = await this.#db.query(`SELECT ${KEY_COLUMNS} FROM signing_keys ORDER BY created_at, seq`);
    return found.map(toSigningKey);
  }

  async keysVersion(): Promise<number> {
    const [row] = await this.#db.query("SELECT version FROM signing_keys_version WHERE id = 1");
    return Number(row?.[0]);
  }

  async addSigningKey(key: SigningKeyRecord, options: AddSigningKeyOptions): Promise<boolean> {
    const db = this.#db;
    db.assertOpen();
    checkTime("now", options.now);
    checkTime("retireUntil", options.retireUntil);
    checkTime("the key's createdAt", key.createdAt);
    const publicJwk = JSON.stringify(key.publicJwk);
    return db.track(() =>
      db.transaction(async (client) => {
        await client.query("SELECT version FROM signing_keys_version WHERE id = 1 FOR UPDATE");
        if (options.onlyIfNoActive !== undefined) {
          const active = await rows(
            client,
            "SELECT 1 FROM signing_keys WHERE alg = $1 AND retired_at IS NULL LIMIT 1",
            [options.onlyIfNoActive],
          );
          if (active.length > 0) return false;
        }
        // Prune first: the keys retired below expire in the future and must survive this call.
        await client.query("DELETE FROM signing_keys WHERE expires IS NOT NULL AND expires <= $1", [
          instant(options.now),
        ]);
        await client.query(
          "UPDATE signing_keys SET retired_at = $1, expires_at = $2, expires = $3 WHERE retired_at IS NULL",
          [options.now, options.retireUntil, instant(options.retireUntil)],
        );
        await client.query(
          `INSERT INTO signing_keys (${KEY_COLUMNS}, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            key.kid,
            key.alg,
            publicJwk,
            key.privateKey,
            key.encrypted,
            key.createdAt,
            key.retiredAt ?? null,
            key.expiresAt ?? null,
            key.expiresAt === undefined ? null : instant(key.expiresAt),
          ],
        );
        // One round trip for both (the simple protocol; nothing in it is input). NOTIFY is delivered at
        // COMMIT, and not at all if the transaction rolls back.
        await client.query(
          `UPDATE signing_keys_version SET version = version + 1 WHERE id = 1; SELECT pg_notify('${CHANGES_CHANNEL}', 'keys')`,
        );
        return true;
      }),
    );
  }
}
