/**
 * Sign-in state on SQLite: passwords, grants, authorization codes and refresh tokens. Every write is one
 * runtime-state write (`SqliteDatabase.writeRuntimeState`): queued behind the store's other writes,
 * under SQLite's write lock, without a revision or audit rows, at NORMAL durability unless it says
 * otherwise. Single use of codes and refresh tokens holds because the check and the spend happen in that
 * one write. Also here: revoking what a resource write ended, inside that write's transaction.
 */
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
import type { SqliteDatabase } from "./database.ts";
import { SignInReads, SignInWrites } from "./sign-in-statements.ts";

export class SqliteSignIn implements SignInStore {
  readonly #db: SqliteDatabase;
  readonly #reads: SignInReads;
  readonly #writerReads: SignInReads;
  readonly #writes: SignInWrites;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#reads = new SignInReads(db.reader);
    this.#writerReads = new SignInReads(db.writer);
    this.#writes = new SignInWrites(db.writer);
  }

  /**
   * Applies what a resource write ended (see sign-in-rules.ts). Synchronous, on the writer connection,
   * for the resource transaction that is open there: the change and the revocations commit together.
   */
  endSignIns(ended: EndedSignIns, time: string): void {
    if (ended.forgetPasswordOf !== undefined) this.#writes.forgetPassword.run(ended.forgetPasswordOf);
    for (const { of, id, reason } of ended.revoke) {
      const statement = of === "user" ? this.#writes.revokeUserGrants : this.#writes.revokeClientGrants;
      statement.run(time, reason, id);
    }
  }

  /** The grant as this sign-in write sees it (it exists: codes and tokens reference it). */
  #grantInWrite(grantId: string): GrantRecord {
    const row = this.#writerReads.grant.get(grantId);
    if (!row) throw new Error(`the store has no grant "${grantId}"`);
    return toGrant(row);
  }

  /**
   * A new password ends the user's sign-ins, in the same write (OWASP Session Management: renew or end
   * sessions on a password change): whoever held the old password, or a token got with it, keeps none.
   */
  async setPassword(userId: string, hash: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    if (!hash) throw new Error("a password hash must not be empty");
    await this.#db.writeRuntimeState(() => {
      this.#writes.setPassword.run(userId, hash, now);
      this.#writes.revokeUserGrants.run(now, "password changed", userId);
    }, "FULL");
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    this.#db.assertOpen();
    return this.#reads.passwordHash.get(userId);
  }

  /**
   * Also prunes, as of the grant's createdAt, in the same transaction: codes expired more than an hour
   * ago, refresh tokens past their expiry, and then grants created more than a day ago that have no code
   * and no refresh token left. Sign-ins are what create these rows, so pruning at each one keeps the
   * tables at about the size of the live sessions without a timer; every step is an index range scan.
   */
  async createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    checkNewGrant(grant, code);
    const scopes = JSON.stringify(grant.scopes);
    const audiences = JSON.stringify(grant.audiences);
    await this.#db.writeRuntimeState(() => {
      const writes = this.#writes;
      const now = grant.createdAt;
      writes.pruneCodes.run(now);
      writes.pruneRefreshTokens.run(now);
      writes.pruneGrants.run(now);
      // The login checked the user against the server's snapshot, which may lag an apply that disabled
      // or removed the user (and revoked their grants): the store's row decides, under the write lock.
      const userProps = writes.userProps.get(grant.userId);
      const gone = userSignInEnded(userProps === undefined ? undefined : JSON.parse(userProps));
      const revokedAt = grant.revokedAt ?? (gone === undefined ? null : now);
      const revokedReason = grant.revokedReason ?? gone ?? null;
      writes.insertGrant.run(
        grant.id,
        grant.clientId,
        grant.userId,
        scopes,
        audiences,
        grant.authTime,
        grant.nonce ?? null,
        grant.createdAt,
        revokedAt,
        revokedReason,
        JSON.stringify({
          openIdScopes: grant.granted.openIdScopes,
          audiences: grant.granted.audiences.map(({ audience, scopes }) => ({ audience, scopes })),
        }),
        grant.createdAt,
        code.expiresAt,
      );
      writes.insertCode.run(
        code.codeSha256,
        code.grantId,
        code.redirectUri,
        code.codeChallenge,
        code.expiresAt,
      );
    });
  }

  async redeemCode(codeSha256: string, now: string): Promise<CodeRedemption> {
    checkSignInTime("now", now);
    return this.#db.writeRuntimeState((): CodeRedemption => {
      const writes = this.#writes;
      const row = writes.code.get(now, codeSha256);
      if (!row) return { status: "unknown" };
      const grant = this.#grantInWrite(row[1] as string);
      if (grant.revokedAt !== undefined) return { status: "revoked" };
      if (row[5] !== null) {
        writes.revokeGrant.run(now, "authorization code reused", grant.id);
        return { status: "reused", grant: this.#grantInWrite(grant.id) };
      }
      if (row[0] === 1) return { status: "expired" };
      writes.useCode.run(now, codeSha256);
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
    await this.#db.writeRuntimeState(() => {
      this.#grantInWrite(token.grantId);
      const writes = this.#writes;
      writes.insertRefreshToken.run(token.tokenSha256, token.grantId, token.createdAt, token.expiresAt);
      writes.keepGrantUntil.run(token.expiresAt, token.grantId, token.expiresAt);
    });
  }

  async rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation> {
    checkRotation(next, now);
    return this.#db.writeRuntimeState((): RefreshRotation => {
      const writes = this.#writes;
      const row = writes.refreshToken.get(now, tokenSha256);
      if (!row) return { status: "unknown" };
      const grant = this.#grantInWrite(row[1] as string);
      if (grant.revokedAt !== undefined) return { status: "revoked" };
      if (row[2] !== null) {
        writes.revokeGrant.run(now, "refresh token reused", grant.id);
        return { status: "reused", grant: this.#grantInWrite(grant.id) };
      }
      if (row[0] === 1) return { status: "expired" };
      if (grant.clientId !== clientId) return { status: "wrong_client" };
      accept?.(grant); // throws to refuse: the write rolls back and the token stays unspent
      writes.useRefreshToken.run(now, tokenSha256);
      writes.insertRefreshToken.run(next.tokenSha256, grant.id, next.createdAt, next.expiresAt);
      writes.keepGrantUntil.run(next.expiresAt, grant.id, next.expiresAt);
      return { status: "ok", grant };
    });
  }

  /** Revokes once: a grant revoked before keeps its first time and reason. An unknown grant is no error. */
  async revokeGrant(grantId: string, reason: string, now: string): Promise<void> {
    checkSignInTime("now", now);
    await this.#db.writeRuntimeState(() => {
      this.#writes.revokeGrant.run(now, reason, grantId);
    });
  }

  async grant(grantId: string): Promise<GrantRecord | undefined> {
    this.#db.assertOpen();
    const row = this.#reads.grant.get(grantId);
    return row ? toGrant(row) : undefined;
  }
}
