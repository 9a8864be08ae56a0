/**
 * The SQL of sign-in state on SQLite (tables `user_passwords`, `grants`, `authorization_codes`,
 * `refresh_tokens`): the statements, prepared once per connection (a grant row maps to its record in
 * ../records.ts). Kept
 * apart from `sign-in.ts` so that the methods there read as the rules they implement. Times are
 * compared through julianday(), the expression the expiry indexes are built on (see migrations.ts).
 */
import type Database from "better-sqlite3";
import { GRANT_COLUMNS } from "../records.ts";
import type { Row } from "./database.ts";

/**
 * Sign-in reads: the reader's serve the Store's `passwordHash` and `grant`, the writer's the reads inside
 * a sign-in write (which must see that transaction's state).
 */
export class SignInReads {
  readonly passwordHash: Database.Statement<[string], string>;
  readonly grant: Database.Statement<[string], Row>;

  constructor(db: Database.Database) {
    this.passwordHash = db
      .prepare<[string], string>("SELECT hash FROM user_passwords WHERE user_id = ?")
      .pluck();
    this.grant = db.prepare<[string], Row>(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`).raw();
  }
}

/** Sign-in writes, on the writer connection. */
export class SignInWrites {
  readonly setPassword: Database.Statement<[string, string, string]>;
  readonly forgetPassword: Database.Statement<[string]>;
  /** Revokes every live grant of a user / of a client id: [now, reason, user or client id]. */
  readonly revokeUserGrants: Database.Statement<[string, string, string]>;
  readonly revokeClientGrants: Database.Statement<[string, string, string]>;
  /** The props of a User row, as the write transaction sees it. */
  readonly userProps: Database.Statement<[string], string>;
  readonly insertGrant: Database.Statement<
    [
      string,
      string,
      string,
      string,
      string,
      number,
      string | null,
      string,
      string | null,
      string | null,
      string,
      string,
      string,
    ]
  >;
  readonly insertCode: Database.Statement<[string, string, string, string, string]>;
  readonly insertRefreshToken: Database.Statement<[string, string, string, string]>;
  /** Raises a grant's prune_after to (at least) a refresh token's expiry. */
  /** [expiresAt, grant id, expiresAt]. */
  readonly keepGrantUntil: Database.Statement<[string, string, string]>;
  /** [expired (0/1) at now, grant_id, redirect_uri, code_challenge, expires_at, used_at] of a code. */
  readonly code: Database.Statement<[string, string], Row>;
  readonly useCode: Database.Statement<[string, string]>;
  /** [expired (0/1) at now, grant_id, used_at] of a refresh token. */
  readonly refreshToken: Database.Statement<[string, string], Row>;
  readonly useRefreshToken: Database.Statement<[string, string]>;
  readonly revokeGrant: Database.Statement<[string, string, string]>;
  readonly pruneCodes: Database.Statement<[string]>;
  readonly pruneRefreshTokens: Database.Statement<[string]>;
  readonly pruneGrants: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.setPassword = db.prepare(
      "INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
    );
    this.forgetPassword = db.prepare("DELETE FROM user_passwords WHERE user_id = ?");
    // Range scans of the partial indexes of live grants by user and by client (migration 6).
    this.revokeUserGrants = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL",
    );
    this.revokeClientGrants = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE client_id = ? AND revoked_at IS NULL",
    );
    this.userProps = db
      .prepare<[string], string>("SELECT props FROM resources WHERE kind = 'User' AND id = ?")
      .pluck();
    // prune_after: a day after creation, or an hour after the code expires, whichever is later.
    this.insertGrant = db.prepare(
      `INSERT INTO grants (${GRANT_COLUMNS}, prune_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, max(julianday(?) + 1, julianday(?) + 1.0 / 24))`,
    );
    this.insertCode = db.prepare(
      "INSERT INTO authorization_codes (code_sha256, grant_id, redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.insertRefreshToken = db.prepare(
      "INSERT INTO refresh_tokens (token_sha256, grant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    );
    // Raised a day past the token's expiry, and only when the token outlives it: a grant refreshed
    // often is written here about once a day, not at every rotation (two pages fewer per refresh). A
    // grant may so be pruned up to a day later than it could be, never earlier.
    this.keepGrantUntil = db.prepare(
      "UPDATE grants SET prune_after = julianday(?) + 1 WHERE id = ? AND prune_after < julianday(?)",
    );
    // A time julianday() cannot read counts as expired (fail closed); the store refuses such times anyway.
    this.code = db
      .prepare<[string, string], Row>(
        "SELECT coalesce(julianday(expires_at) <= julianday(?), 1), grant_id, redirect_uri, code_challenge, expires_at, used_at FROM authorization_codes WHERE code_sha256 = ?",
      )
      .raw();
    this.useCode = db.prepare("UPDATE authorization_codes SET used_at = ? WHERE code_sha256 = ?");
    this.refreshToken = db
      .prepare<[string, string], Row>(
        "SELECT coalesce(julianday(expires_at) <= julianday(?), 1), grant_id, used_at FROM refresh_tokens WHERE token_sha256 = ?",
      )
      .raw();
    this.useRefreshToken = db.prepare("UPDATE refresh_tokens SET used_at = ? WHERE token_sha256 = ?");
    this.revokeGrant = db.prepare(
      "UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
    );
    // The three prunes are range scans of the expiry / prune_after indexes (the WHERE clauses repeat the
    // indexed expressions exactly), so each visits only rows it deletes or nearly does; the NOT EXISTS
    // checks are one grant_id index probe each, per candidate grant.
    this.pruneCodes = db.prepare(
      "DELETE FROM authorization_codes WHERE julianday(expires_at) < julianday(?) - 1.0 / 24",
    );
    this.pruneRefreshTokens = db.prepare(
      "DELETE FROM refresh_tokens WHERE julianday(expires_at) <= julianday(?)",
    );
    this.pruneGrants = db.prepare(
      `DELETE FROM grants WHERE prune_after < julianday(?)
        AND NOT EXISTS (SELECT 1 FROM authorization_codes WHERE grant_id = grants.id)
        AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE grant_id = grants.id)`,
    );
  }
}
