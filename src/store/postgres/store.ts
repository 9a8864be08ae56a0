/**
 * The PostgreSQL Store: one database shared by every replica, composed of one implementation per
 * concern of the `Store` interface, all sharing one `PostgresDatabase` (its pool, its apply queue, its
 * writes in flight). This file only wires them (the forwarding is ComposedStore's): the one link
 * between concerns is that a resource transaction revokes, in that transaction, the sign-ins its writes
 * end. `open.ts` makes the store.
 */
import { ComposedStore } from "../composed-store.ts";
import { PostgresChanges } from "./changes.ts";
import type { PostgresDatabase } from "./database.ts";
import { PostgresDump } from "./dump.ts";
import { PostgresPlanRecords } from "./plan-records.ts";
import { PostgresRateLimits } from "./rate-limits.ts";
import { PostgresResources } from "./resources.ts";
import { PostgresSignIn } from "./sign-in.ts";
import { PostgresSigningKeys } from "./signing-keys.ts";
import { PostgresSyncLeader } from "./sync-leader.ts";
import { PostgresSyncStatus } from "./sync-status.ts";

export class PostgresStore extends ComposedStore {
  /** `description` is the URL without its password (describeStoreLocation). */
  constructor(db: PostgresDatabase) {
    const signIn = new PostgresSignIn(db);
    super(
      "postgres",
      db.description,
      {
        resources: new PostgresResources(db, (client, ended, time) => signIn.endSignIns(client, ended, time)),
        keys: new PostgresSigningKeys(db),
        signIn,
        sync: new PostgresSyncStatus(db),
        leader: new PostgresSyncLeader(db),
        changes: new PostgresChanges(db),
        limits: new PostgresRateLimits(db),
        dump: new PostgresDump(db),
        plans: new PostgresPlanRecords(db),
      },
      // Waits for the writes already started, then ends the change feed's client and the pool.
      () => db.close(),
    );
  }
}
