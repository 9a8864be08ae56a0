/**
 * The SQL of sign-in state on PostgreSQL (tables `user_passwords`, `grants`, `authorization_codes`,
 * `refresh_tokens`; a grant row maps to its record in ../records.ts). Kept apart from `sign-in.ts` so that the methods
 * there read as the rules they implement. Times are compared on the parallel timestamptz columns
 * (`expires`, `prune_after`; see migrations.ts), with instants computed by times.ts.
 */
import type pg from "pg";
import { GRANT_COLUMNS } from "../records.ts";
import type { EndedSignIns } from "../sign-in-rules.ts";
import type { PreparedStatement } from "./database.ts";

/** The grant's columns as selected (auth_time, a bigint, as a number) from `grants` under an alias. */
const grantColumns = (alias: string): string =>
  GRANT_COLUMNS.split(", ")
    .map((column) => (column === "auth_time" ? `${alias}.auth_time::float8` : `${alias}.${column}`))
    .join(", ");

const SQL_TEXT = {
  passwordHash: "SELECT hash FROM user_passwords WHERE user_id = $1",
  grant: `SELECT ${grantColumns("g")} FROM grants g WHERE g.id = $1`,

  /** A new password and the end of the user's sign-ins, in one statement (its own transaction). */
  setPassword: `WITH saved AS (
      INSERT INTO user_passwords (user_id, hash, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at)
    UPDATE grants SET revoked_at = $3, revoked_reason = 'password changed'
      WHERE user_id = $1 AND revoked_at IS NULL`,

  /**
   * The User row a new grant belongs to, share-locked until the grant commits: see createGrant in
   * sign-in.ts.
   */
  userForShare: "SELECT props FROM resources WHERE kind = 'User' AND id = $1 FOR SHARE",

  /**
   * Pruning, as of $1: codes expired more than an hour ago and refresh tokens past their expiry (one
   * statement), then grants past prune_after with neither left (a second statement, whose snapshot sees
   * the first's deletes, as SQLite's third prune does). SKIP LOCKED: a row another transaction holds
   * (a code being redeemed, a grant another replica is pruning) is left for later instead of waited for,
   * so sign-ins on several replicas never queue behind each other's pruning.
   */
  pruneCodesAndTokens: `WITH codes AS (
      DELETE FROM authorization_codes WHERE code_sha256 IN (
        SELECT code_sha256 FROM authorization_codes WHERE expires < $1::timestamptz - interval '1 hour'
        FOR UPDATE SKIP LOCKED)),
    tokens AS (
      DELETE FROM refresh_tokens WHERE token_sha256 IN (
        SELECT token_sha256 FROM refresh_tokens WHERE expires <= $1::timestamptz FOR UPDATE SKIP LOCKED))
    SELECT 1`,
  pruneGrants: `DELETE FROM grants WHERE id IN (
      SELECT id FROM grants g WHERE prune_after < $1::timestamptz
        AND NOT EXISTS (SELECT 1 FROM authorization_codes WHERE grant_id = g.id)
        AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE grant_id = g.id)
      FOR UPDATE SKIP LOCKED)`,

  /** The grant and its code in one statement (the code's foreign key is checked at its end). */
  insertGrantAndCode: `WITH added AS (
      INSERT INTO grants (${GRANT_COLUMNS}, prune_after)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))
    INSERT INTO authorization_codes (code_sha256, grant_id, redirect_uri, code_challenge, expires_at, expires)
    VALUES ($13, $1, $14, $15, $16, $17)`,

  /**
   * A code and its grant, both row-locked until the end of the redemption: a second redemption on any
   * replica waits here for the first to commit, then reads the code as used (READ COMMITTED re-reads a
   * locked row's newest version). Columns: expired at $1, grant_id, redirect_uri, code_challenge,
   * expires_at, used_at, then the grant's.
   */
  codeForUpdate: `SELECT c.expires <= $1::timestamptz, c.grant_id, c.redirect_uri, c.code_challenge,
      c.expires_at, c.used_at, ${grantColumns("g")}
    FROM authorization_codes c JOIN grants g ON g.id = c.grant_id
    WHERE c.code_sha256 = $2
    FOR UPDATE OF c, g`,
  useCode: "UPDATE authorization_codes SET used_at = $1 WHERE code_sha256 = $2",

  /** A refresh token and its grant, row-locked as a code is. Columns: expired at $1, grant_id, used_at, grant. */
  refreshTokenForUpdate: `SELECT t.expires <= $1::timestamptz, t.grant_id, t.used_at, ${grantColumns("g")}
    FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id
    WHERE t.token_sha256 = $2
    FOR UPDATE OF t, g`,
  /** The same, without locks: what an optimistic rotation decides on (rotateUnspent then checks it). */
  refreshToken: `SELECT t.expires <= $1::timestamptz, t.grant_id, t.used_at, ${grantColumns("g")}
    FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id
    WHERE t.token_sha256 = $2`,
  /**
   * A rotation in one statement, done only if what it was decided on still holds: grant $4 is live
   * (and its prune_after raised to $7) and token $2 its own, unspent and unexpired at $8 (the instant of
   * $1); then spends $2 at $1 and adds the next token ($3, $5, $6, expires $7). Answers the number of tokens spent: 0 when another rotation or a revocation
   * got there first. Each UPDATE re-checks its condition on the row's newest version after waiting for
   * its lock (READ COMMITTED), and the spend runs on the grant update's output, so after it.
   */
  rotateUnspent: `WITH live AS (
      UPDATE grants SET prune_after = greatest(prune_after, $7)
      WHERE id = $4 AND revoked_at IS NULL RETURNING id),
    spent AS (
      UPDATE refresh_tokens SET used_at = $1
      WHERE token_sha256 = $2 AND used_at IS NULL AND expires > $8::timestamptz
        AND grant_id IN (SELECT id FROM live)
      RETURNING grant_id),
    added AS (
      INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at, expires)
      SELECT $3, grant_id, $5, $6, $7 FROM spent)
    SELECT count(*)::int FROM spent`,
  /** Spends $2 (at $1) and adds the next token ($3..$6, expires $7) to grant $4, raising its prune_after. */
  rotate: `WITH spent AS (UPDATE refresh_tokens SET used_at = $1 WHERE token_sha256 = $2),
      added AS (
        INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at, expires)
        VALUES ($3, $4, $5, $6, $7))
    UPDATE grants SET prune_after = greatest(prune_after, $7) WHERE id = $4`,

  /** Raises a grant's prune_after to a new token's expiry; no row: no such grant. Row-locks the grant. */
  keepGrantUntil: "UPDATE grants SET prune_after = greatest(prune_after, $2) WHERE id = $1 RETURNING id",
  insertRefreshToken:
    "INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at, expires) VALUES ($1, $2, $3, $4, $5)",

  /** Revokes once: a grant revoked before keeps its first time and reason. */
  revokeGrant: `UPDATE grants g SET revoked_at = $1, revoked_reason = $2 WHERE g.id = $3 AND g.revoked_at IS NULL
    RETURNING ${grantColumns("g")}`,
} as const;

/** Every statement prepared (parsed and planned once per connection), named after its key. */
export const SIGN_IN_SQL = Object.fromEntries(
  Object.entries(SQL_TEXT).map(([key, text]) => [key, { name: `scopectl_sign_in_${key}`, text }]),
) as { readonly [key in keyof typeof SQL_TEXT]: PreparedStatement };

/** A nonce as its column holds it (bytea: see migrations.ts). */
export const nonceBytes = (nonce: string | undefined): Buffer | null =>
  nonce === undefined ? null : Buffer.from(nonce, "utf8");

/**
 * Applies what a batch of resource writes ended, inside that apply's transaction: forgets the
 * passwords of removed users, then revokes, in one statement, every live grant of the users and client
 * ids named. A grant named twice (its user disabled and its application removed in one apply) takes
 * the reason of the first write that ended it, as SQLite's one-write-at-a-time revocations give.
 */
export async function endSignIns(client: pg.PoolClient, ended: EndedSignIns[], time: string): Promise<void> {
  const forget = ended.flatMap((e) => (e.forgetPasswordOf === undefined ? [] : [e.forgetPasswordOf]));
  if (forget.length > 0) {
    await client.query("DELETE FROM user_passwords WHERE user_id = ANY($1::text[])", [forget]);
  }
  const revoke = ended.flatMap((e) => e.revoke);
  if (revoke.length === 0) return;
  const users = revoke.filter((r) => r.of === "user").map((r) => r.id);
  const clients = revoke.filter((r) => r.of === "client").map((r) => r.id);
  await client.query(
    `UPDATE grants g SET revoked_at = $1, revoked_reason = (
        SELECT r.reason FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r (of, id, reason, n)
        WHERE (r.of = 'user' AND r.id = g.user_id) OR (r.of = 'client' AND r.id = g.client_id)
        ORDER BY r.n LIMIT 1)
      WHERE g.revoked_at IS NULL AND (g.user_id = ANY($5::text[]) OR g.client_id = ANY($6::text[]))`,
    [time, revoke.map((r) => r.of), revoke.map((r) => r.id), revoke.map((r) => r.reason), users, clients],
  );
}
