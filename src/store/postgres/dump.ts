/**
 * The whole PostgreSQL store as a StoreDump, and a dump written into an empty PostgreSQL store
 * (`scopectl store copy`; the row mapping, shared with SQLite, is ../dump-rows.ts). The read is one
 * REPEATABLE READ, READ ONLY transaction: one snapshot, so an apply committing meanwhile is either all
 * in or all out, and the source keeps serving. The restore is one transaction that first takes the
 * apply lock (`meta`'s row), so no apply interleaves, writes each table with one multi-row statement
 * per chunk (unnest of column arrays: a large tenant is a few statements, not a round trip per row),
 * fills the timestamptz columns PostgreSQL compares by, moves the imports' identity past the copied
 * ids, and notifies the replicas as an apply and a key rotation do.
 */
import type pg from "pg";
import { type DumpStore, type StoreDump, StoreNotEmptyError } from "../dump.ts";
import {
  DUMP_COLUMNS,
  DUMPED_TABLES,
  type DumpTables,
  dumpOfRows,
  pruneAfterOf,
  rowsOfDump,
} from "../dump-rows.ts";
import type { Row } from "../records.ts";
import { CHANGES_CHANNEL, LONG_QUERY, type PostgresDatabase } from "./database.ts";

type Table = (typeof DUMPED_TABLES)[number];

/** The dump's order of each table: bytewise (COLLATE "C"), as SQLite orders TEXT. */
const ORDER: Record<Table, string> = {
  resources: 'kind COLLATE "C", id COLLATE "C"',
  revisions: "revision",
  audit: "seq",
  imports: "id",
  signing_keys: 'created_at COLLATE "C", seq',
  user_passwords: 'user_id COLLATE "C"',
  grants: 'created_at COLLATE "C", id COLLATE "C"',
  authorization_codes: 'code_sha256 COLLATE "C"',
  refresh_tokens: 'created_at COLLATE "C", token_sha256 COLLATE "C"',
  sync_status: 'id COLLATE "C"',
};

/** The array type of each written column, for unnest; text unless named here. */
const COLUMN_TYPES: Partial<Record<string, string>> = {
  created_revision: "integer",
  updated_revision: "integer",
  revision: "integer",
  encrypted: "boolean",
  auth_time: "bigint",
  // A grant's nonce is bytea on PostgreSQL (its UTF-8 bytes: it may hold a NUL; see migrations.ts).
  nonce: "bytea",
};
const typeOf = (table: Table, column: string) =>
  table === "imports" && column === "id" ? "integer" : (COLUMN_TYPES[column] ?? "text");

/** The timestamptz columns PostgreSQL keeps beside the ISO text ones (migrations.ts), per table. */
const INSTANT_COLUMNS: Partial<Record<Table, [column: string, from: string][]>> = {
  signing_keys: [["expires", "expires_at::timestamptz"]],
  authorization_codes: [["expires", "expires_at::timestamptz"]],
  refresh_tokens: [["expires", "expires_at::timestamptz"]],
  grants: [["prune_after", "prune_after::timestamptz"]],
};

const CHUNK_ROWS = 5000;

async function readTables(client: pg.PoolClient): Promise<DumpTables> {
  const meta = await client.query(
    "SELECT m.revision, k.version AS keys_version FROM meta m, signing_keys_version k WHERE m.id = 1 AND k.id = 1",
  );
  const tables = { meta: meta.rows[0] } as DumpTables;
  for (const table of DUMPED_TABLES) {
    const result = await client.query({
      text: `SELECT ${DUMP_COLUMNS[table].join(", ")} FROM ${table} ORDER BY ${ORDER[table]}`,
      rowMode: "array",
      ...LONG_QUERY,
    });
    tables[table] = result.rows as Row[];
  }
  return tables;
}

async function insertTable(client: pg.PoolClient, table: Table, rows: unknown[][]): Promise<void> {
  const columns: string[] = [...DUMP_COLUMNS[table]];
  if (table === "grants") columns.push("prune_after");
  const instants = INSTANT_COLUMNS[table] ?? [];
  const targets = [
    ...columns.filter((c) => c !== "prune_after" || table !== "grants"),
    ...instants.map(([c]) => c),
  ];
  const selected = [
    ...columns.filter((c) => c !== "prune_after" || table !== "grants"),
    ...instants.map(([, from]) => from),
  ];
  const arrays = columns.map((column, i) => `$${i + 1}::${typeOf(table, column)}[]`).join(", ");
  // WITH ORDINALITY … ORDER BY keeps the rows in the dump's order, so identities (audit.seq) follow it.
  const sql = `INSERT INTO ${table} (${targets.join(", ")})
    SELECT ${selected.join(", ")} FROM unnest(${arrays}) WITH ORDINALITY AS u(${columns.join(", ")}, ord) ORDER BY ord`;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS);
    await client.query({
      text: sql,
      values: columns.map((column, i) =>
        chunk.map((row) => {
          const value = row[i] ?? null;
          return column === "nonce" && typeof value === "string" ? Buffer.from(value, "utf8") : value;
        }),
      ),
      ...LONG_QUERY,
    });
  }
}

export class PostgresDump implements DumpStore {
  constructor(private readonly db: PostgresDatabase) {}

  async dump(): Promise<StoreDump> {
    const db = this.db;
    db.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await db.pool.connect();
    } catch (error) {
      throw db.mapError(error);
    }
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const tables = await readTables(client);
      await client.query("COMMIT");
      return dumpOfRows(tables);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw db.mapError(error);
    } finally {
      client.release();
    }
  }

  restore(dump: StoreDump): Promise<void> {
    const db = this.db;
    return db.enqueue(() =>
      db.transaction(async (client) => {
        const locked = await client.query("SELECT revision FROM meta WHERE id = 1 FOR UPDATE");
        const revision = Number(locked.rows[0]?.revision ?? 0);
        for (const table of DUMPED_TABLES) {
          const any = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
          if (revision !== 0 || any.rowCount) throw new StoreNotEmptyError(db.description, revision);
        }
        await client.query("UPDATE meta SET revision = $1 WHERE id = 1", [dump.revision]);
        await client.query("UPDATE signing_keys_version SET version = $1 WHERE id = 1", [dump.keysVersion]);
        const rows = rowsOfDump(dump);
        const pruneAfter = pruneAfterOf(dump);
        rows.grants = rows.grants.map((row) => [
          ...row,
          new Date(pruneAfter.get(String(row[0])) ?? 0).toISOString(),
        ]);
        for (const table of DUMPED_TABLES) await insertTable(client, table, rows[table]);
        await client.query(
          "SELECT setval(pg_get_serial_sequence('imports', 'id'), GREATEST((SELECT max(id) FROM imports), 1), (SELECT count(*) > 0 FROM imports))",
        );
        await client.query(
          `SELECT pg_notify('${CHANGES_CHANNEL}', 'revision'), pg_notify('${CHANGES_CHANNEL}', 'keys')`,
        );
      }),
    );
  }
}
