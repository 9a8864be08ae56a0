/**
 * Sign-in state on PostgreSQL: passwords, grants, authorization codes and refresh tokens. Each write is
 * its own short transaction (or a single statement, which is one), without a revision or audit rows.
 *
 * Single use across replicas. A redemption or a rotation first locks the code (or refresh token) row
 * and its grant's row (SELECT ... FOR UPDATE): a second redemption of one code, on this replica or any
 * other, waits for the first to commit, then reads the code as used, answers `reused` and revokes the
 * grant, exactly as on SQLite, whose one write lock gives the same order. A transaction the server
 * aborts for a deadlock runs again (every decision is re-read inside it). A rotation tries the
 * optimistic way first (see rotateRefreshToken): one unlocked read and one conditional statement,
 * which fall back to the locked way whenever the two could disagree; refreshes are the token
 * service's most frequent write. A token this replica minted by rotation skips the read as well (see
 * #minted): the conditional statement alone, one round trip.
 *
 * Durability: as on SQLite (see SqliteDatabase.writeRuntimeState), sign-in writes run with
 * `synchronous_commit = off`: a commit is visible to every replica at once and survives the crash of
 * any client, and a crash of the database server itself can lose only its last fraction of a second of
 * them (sign in again; a rotation lost leaves the previous token usable once more), never corrupt
 * anything. They run on the database's runtime pool, whose sessions are set so. `setPassword` reports to
 * a person and is rare: it keeps full durability.
 */
import type pg from "pg";
import { checkNewGrant, checkRotation, checkSignInTime } from "../checks.ts";
import { toGrant } from "../records.ts";
import type {
  AuthorizationCodeRecord,
  CodeRedemption,
  GrantRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SignInStore,
} from "../sign-in.ts";
import { type EndedSignIns, userSignInEnded } from "../sign-in-rules.ts";
import { isRetryable, type PostgresDatabase, type Row, rows } from "./database.ts";
import { endSignIns, nonceBytes, SIGN_IN_SQL as SQL } from "./sign-in-statements.ts";
import { instant } from "./times.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Runs again after a deadlock: twice is plenty for rows that are each locked for milliseconds. */
const RETRIES = 2;
/** How many minted refresh tokens a replica remembers (see #minted); the oldest is forgotten first. */
const MINTED_KEPT = 4096;

interface MintedToken {
  grant: GrantRecord;
  /** Its expiry, epoch milliseconds. */
  expires: number;
}

export class PostgresSignIn implements SignInStore {
  readonly #db: PostgresDatabase;
  /**
   * The refresh tokens this replica minted by rotation, by digest, each with its grant, until presented
   * (taken out at the first presentation, so each serves at most once). What the read of a rotation
   * would tell is known for them: a grant's fields never change but its revocation (and prune_after),
   * and the token's expiry is the one minted. The conditional statement still checks, as it writes,
   * that the grant is live and the token unspent and its own, and the locked way decides whenever it
   * finds otherwise, so a replay, a revocation or a prune by any replica is judged as after a read.
   * A token minted elsewhere (another replica, this one before a restart) is read as before.
   */
  readonly #minted = new Map<string, MintedToken>();

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  /** Applies what a resource write ended, on the apply's client and inside its transaction. */
  endSignIns(client: pg.PoolClient, ended: EndedSignIns[], time: string): Promise<void> {
    return endSignIns(client, ended, time);
  }

  /** A short sign-in write: tracked for close(), in #transaction. */
  #write<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#db.track(() => this.#transaction(fn));
  }

  /** A sign-in transaction: retried after a deadlock, at relaxed durability; not tracked. */
  #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#db.transaction(fn, { retries: RETRIES, asyncCommit: true });
  }

  /**
   * A new password ends the user's sign-ins, in the same statement (OWASP Session Management: renew or
   * end sessions on a password change): whoever held the old password, or a token got with it, keeps none.
   */
  async setPassword(userId: string, hash: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    if (!hash) throw new Error("a password hash must not be empty");
    await this.#db.track(() => this.#db.query(SQL.setPassword, [userId, hash, now]));
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    const [row] = await this.#db.query(SQL.passwordHash, [userId]);
    return row?.[0] as string | undefined;
  }

  /**
   * Stores the grant and its code, and prunes (as SQLite's does: codes expired more than an hour ago,
   * refresh tokens past their expiry, then empty grants past prune_after).
   *
   * The user's row is read FOR SHARE, first. The login checked the user against the server's snapshot,
   * which may lag an apply that disabled or removed the user (and revoked their grants) on any replica.
   * An apply that has already written the row holds its lock: the share lock waits for that apply's
   * commit and then reads the new row (disabled or gone: the grant is stored revoked). An apply that
   * writes the row later waits for this transaction's commit, and its revocation statement, which runs
   * after its row writes (resources.ts), then sees and revokes the grant stored here. Either way no live
   * grant outlives the apply. Without the lock, both could read the other's state from before, and a
   * grant of a disabled user would stay live. It is taken before pruning so that this transaction holds
   * no grant row while it waits for an apply that revokes grants.
   */
  async createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    checkNewGrant(grant, code);
    const now = grant.createdAt;
    const granted = JSON.stringify({
      openIdScopes: grant.granted.openIdScopes,
      audiences: grant.granted.audiences.map(({ audience, scopes }) => ({ audience, scopes })),
    });
    // A day after creation, or an hour after the code expires, whichever is later.
    const pruneAfter = new Date(
      Math.max(Date.parse(now) + DAY_MS, Date.parse(code.expiresAt) + HOUR_MS),
    ).toISOString();
    await this.#write(async (client) => {
      const [user] = await rows(client, SQL.userForShare, [grant.userId]);
      await rows(client, SQL.pruneCodesAndTokens, [instant(now)]);
      await rows(client, SQL.pruneGrants, [instant(now)]);
      const gone = userSignInEnded(user === undefined ? undefined : JSON.parse(user[0] as string));
      await rows(client, SQL.insertGrantAndCode, [
        grant.id,
        grant.clientId,
        grant.userId,
        JSON.stringify(grant.scopes),
        JSON.stringify(grant.audiences),
        grant.authTime,
        nonceBytes(grant.nonce),
        grant.createdAt,
        grant.revokedAt ?? (gone === undefined ? null : now),
        grant.revokedReason ?? gone ?? null,
        granted,
        pruneAfter,
        code.codeSha256,
        code.redirectUri,
        code.codeChallenge,
        code.expiresAt,
        instant(code.expiresAt),
      ]);
    });
  }

  async redeemCode(codeSha256: string, now: string): Promise<CodeRedemption> {
    checkSignInTime("now", now);
    return this.#write(async (client): Promise<CodeRedemption> => {
      const [row] = await rows(client, SQL.codeForUpdate, [instant(now), codeSha256]);
      if (!row) return { status: "unknown" };
      const grant = toGrant(row, 6);
      if (grant.revokedAt !== undefined) return { status: "revoked" };
      if (row[5] !== null) {
        const [revoked] = await rows(client, SQL.revokeGrant, [now, "authorization code reused", grant.id]);
        return { status: "reused", grant: revoked ? toGrant(revoked) : grant };
      }
      if (row[0] === true) return { status: "expired" };
      await rows(client, SQL.useCode, [now, codeSha256]);
      const code: AuthorizationCodeRecord = {
        codeSha256,
        grantId: grant.id,
        redirectUri: row[2] as string,
        codeChallenge: row[3] as string,
        expiresAt: row[4] as string,
      };
      return { status: "ok", code, grant };
    });
  }

  async addRefreshToken(token: RefreshTokenRecord): Promise<void> {
    checkSignInTime("the refresh token's createdAt", token.createdAt);
    checkSignInTime("the refresh token's expiresAt", token.expiresAt);
    const expires = instant(token.expiresAt);
    await this.#write(async (client) => {
      // Row-locks the grant first: a grant pruned meanwhile is found missing here, not by the insert.
      const kept = await rows(client, SQL.keepGrantUntil, [token.grantId, expires]);
      if (kept.length === 0) throw new Error(`the store has no grant "${token.grantId}"`);
      await rows(client, SQL.insertRefreshToken, [
        token.tokenSha256,
        token.grantId,
        token.createdAt,
        token.expiresAt,
        expires,
      ]);
    });
  }

  /**
   * Optimistic first: read the token and its grant without locks, decide, and spend in one statement
   * that holds only if nothing changed meanwhile (rotateUnspent): two round trips, no transaction, no
   * lock held across the network. When it does not hold (another rotation spent the token, or the grant
   * was revoked, in between), or the read found the token spent, the rotation is decided again under
   * row locks, which also revokes the grant of a reused token.
   */
  async rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    checkRotation(next, now);
    const rotation = await this.#db.track(async (): Promise<RefreshRotation> => {
      const locked = () => this.#rotateLocked(tokenSha256, clientId, next, now, accept);
      const decided =
        this.#takeMinted(tokenSha256, clientId, now) ?? (await this.#read(tokenSha256, clientId, now));
      if (decided.status === "reused") return locked();
      if (decided.status !== "ok") return decided;
      accept?.(decided.grant); // throws to refuse: nothing was written
      const values = [...rotationValues(tokenSha256, decided.grant, next, now), instant(now)];
      let spent: Row | undefined;
      try {
        [spent] = await this.#db.runtimeQuery(SQL.rotateUnspent, values);
      } catch (error) {
        // A deadlock with a locked rotation of the same grant rolled this statement back: decide again.
        if (isRetryable((error as Error).cause ?? error)) return locked();
        throw error;
      }
      return spent?.[0] === 1 ? decided : locked();
    });
    if (rotation.status === "ok") this.#keepMinted(next, rotation.grant);
    return rotation;
  }

  /** The unlocked read of a rotation, decided. */
  async #read(tokenSha256: string, clientId: string, now: string) {
    const [row] = await this.#db.runtimeQuery(SQL.refreshToken, [instant(now), tokenSha256]);
    return decideRotation(row, clientId);
  }

  /** A token this replica minted, as its read would decide it; undefined when the read must decide. */
  #takeMinted(tokenSha256: string, clientId: string, now: string) {
    const minted = this.#minted.get(tokenSha256);
    if (minted === undefined) return undefined;
    this.#minted.delete(tokenSha256);
    // Expired, or presented by another client: the read decides, and words the refusal.
    if (minted.expires <= Date.parse(now) || minted.grant.clientId !== clientId) return undefined;
    return { status: "ok" as const, grant: minted.grant };
  }

  #keepMinted(next: Omit<RefreshTokenRecord, "grantId">, grant: GrantRecord): void {
    this.#minted.set(next.tokenSha256, { grant, expires: Date.parse(next.expiresAt) });
    if (this.#minted.size > MINTED_KEPT) {
      const oldest = this.#minted.keys().next().value;
      if (oldest !== undefined) this.#minted.delete(oldest);
    }
  }

  /** The rotation decided and written under row locks on the token and its grant. */
  #rotateLocked(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    // Not #write: the rotation calling this is tracked already, and close() must not refuse it half way.
    return this.#transaction(async (client): Promise<RefreshRotation> => {
      const [row] = await rows(client, SQL.refreshTokenForUpdate, [instant(now), tokenSha256]);
      const decided = decideRotation(row, clientId);
      if (decided.status === "reused") {
        const grant = decided.grant;
        const [revoked] = await rows(client, SQL.revokeGrant, [now, "refresh token reused", grant.id]);
        return { status: "reused", grant: revoked ? toGrant(revoked) : grant };
      }
      if (decided.status !== "ok") return decided;
      accept?.(decided.grant); // throws to refuse: the transaction rolls back and the token stays unspent
      await rows(client, SQL.rotate, rotationValues(tokenSha256, decided.grant, next, now));
      return decided;
    });
  }

  /** Revokes once: a grant revoked before keeps its first time and reason. An unknown grant is no error. */
  async revokeGrant(grantId: string, reason: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    await this.#db.track(() => this.#db.query(SQL.revokeGrant, [now, reason, grantId]));
  }

  async grant(grantId: string): Promise<GrantRecord | undefined> {
    const [row] = await this.#db.query(SQL.grant, [grantId]);
    return row ? toGrant(row) : undefined;
  }
}

/**
 * What a refresh token's row (as `refreshToken`/`refreshTokenForUpdate` select it) decides, in the
 * order SQLite's rotation checks: unknown, revoked grant, spent (reuse), expired, another client.
 */
function decideRotation(
  row: Row | undefined,
  clientId: string,
):
  | { status: "ok" | "reused"; grant: GrantRecord }
  | { status: "unknown" | "revoked" | "expired" | "wrong_client" } {
  if (!row) return { status: "unknown" };
  const grant = toGrant(row, 3);
  if (grant.revokedAt !== undefined) return { status: "revoked" };
  if (row[2] !== null) return { status: "reused", grant };
  if (row[0] === true) return { status: "expired" };
  if (grant.clientId !== clientId) return { status: "wrong_client" };
  return { status: "ok", grant };
}

/** The values of `rotate` (and the first seven of `rotateUnspent`). */
const rotationValues = (
  tokenSha256: string,
  grant: GrantRecord,
  next: Omit<RefreshTokenRecord, "grantId">,
  now: string,
): unknown[] => [
  now,
  tokenSha256,
  next.tokenSha256,
  grant.id,
  next.createdAt,
  next.expiresAt,
  instant(next.expiresAt),
];
