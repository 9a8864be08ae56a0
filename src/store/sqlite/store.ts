/**
 * The embedded Store: one SQLite file (better-sqlite3), in WAL mode, composed of one implementation per
 * concern of the `Store` interface, all sharing one `SqliteDatabase` (its connections, its write queue
 * and its write lock). This file only wires them (the forwarding is ComposedStore's): the one link
 * between concerns is that a resource transaction revokes, in that transaction, the sign-ins its writes
 * end. `open.ts` makes the store.
 */
import { ComposedStore } from "../composed-store.ts";
import { SqliteChanges } from "./changes.ts";
import type { SqliteDatabase } from "./database.ts";
import { SqliteDump } from "./dump.ts";
import { SqlitePlanRecords } from "./plan-records.ts";
import { SqliteRateLimits } from "./rate-limits.ts";
import { SqliteResources } from "./resources.ts";
import { SqliteSignIn } from "./sign-in.ts";
import { SqliteSigningKeys } from "./signing-keys.ts";
import { SqliteSyncLeader } from "./sync-leader.ts";
import { SqliteSyncStatus } from "./sync-status.ts";

export class SqliteStore extends ComposedStore {
  readonly file: string;

  constructor(db: SqliteDatabase) {
    const signIn = new SqliteSignIn(db);
    super(
      "sqlite",
      db.file,
      {
        resources: new SqliteResources(db, (ended, time) => signIn.endSignIns(ended, time)),
        keys: new SqliteSigningKeys(db),
        signIn,
        sync: new SqliteSyncStatus(db),
        leader: new SqliteSyncLeader(db),
        changes: new SqliteChanges(),
        limits: new SqliteRateLimits(),
        dump: new SqliteDump(db),
        plans: new SqlitePlanRecords(db),
      },
      // Waits for the writes already started, then closes both connections.
      () => db.close(),
    );
    this.file = db.file;
  }
}
