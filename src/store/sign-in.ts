/**
 * Sign-in state (issue 6): passwords, grants, authorization codes and refresh tokens. Like signing keys,
 * none of it is a manifest resource: the token service writes it, it never moves the store revision, and
 * no plan shows or prunes it. Codes and refresh tokens are stored as SHA-256 digests (hex) only.
 * Times are ISO 8601 (UTC) strings. Backend-neutral: every Store implementation keeps this shape.
 */

/** One sign-in of one user at one client: what the codes and refresh tokens it issues all share. */
export interface GrantRecord {
  /** Random and opaque; access tokens carry it as `sid`, so that revoking the grant revokes them. */
  id: string;
  clientId: string;
  /** The User resource's id (the manifest name): the token's `sub`. */
  userId: string;
  /** The scopes the client asked for at /oauth2/authorize (OpenID and API scopes), in request order. */
  scopes: string[];
  /** The audiences it asked for (empty: the client's default). */
  audiences: string[];
  /**
   * What the sign-in granted, computed once when the user signed in: the ceiling of every token the grant
   * issues. Exchanges and refreshes may narrow it, never add to it (RFC 6749 §6).
   */
  granted: GrantedAccess;
  /** When the user entered their password (epoch seconds): the ID token's `auth_time`. */
  authTime: number;
  /** The OpenID Connect nonce of the authorization request, for the first ID token. */
  nonce?: string;
  createdAt: string;
  /**
   * Set once: a reused code or refresh token; its user disabled, removed or given a new password; its
   * application disabled or removed. Revoked grants issue nothing more, and are never live again.
   */
  revokedAt?: string;
  revokedReason?: string;
}

/**
 * The scopes a sign-in granted. API scopes are kept per audience, since a scope name is unique only
 * within its Api: a name granted at one audience grants nothing at another. An empty list grants none.
 */
export interface GrantedAccess {
  /** The OpenID Connect scopes granted (openid, profile, email, offline_access, offline), in request order. */
  openIdScopes: string[];
  /** Every audience of the grant's tokens, as resolved at sign-in (a client's default made explicit). */
  audiences: GrantedAudience[];
}

export interface GrantedAudience {
  audience: string;
  /** The API scopes granted at this audience. */
  scopes: string[];
}

export interface AuthorizationCodeRecord {
  codeSha256: string;
  grantId: string;
  redirectUri: string;
  /** The PKCE S256 challenge (base64url). */
  codeChallenge: string;
  expiresAt: string;
}

export interface RefreshTokenRecord {
  tokenSha256: string;
  grantId: string;
  createdAt: string;
  expiresAt: string;
}

/** The outcome of redeeming a code: only the first redemption of an unexpired code is `ok`. */
export type CodeRedemption =
  | { status: "ok"; code: AuthorizationCodeRecord; grant: GrantRecord }
  /** The code had been redeemed before: its grant (and everything it issued) is revoked now. */
  | { status: "reused"; grant: GrantRecord }
  | { status: "expired" | "unknown" | "revoked" };

/** The outcome of rotating a refresh token. */
export type RefreshRotation =
  | { status: "ok"; grant: GrantRecord }
  /** The token had been rotated before: its grant (the whole family) is revoked now. */
  | { status: "reused"; grant: GrantRecord }
  /** Issued to another client: nothing changed. */
  | { status: "wrong_client" }
  | { status: "expired" | "unknown" | "revoked" };

export interface SignInStore {
  /**
   * Sets (or replaces) a user's password hash (a PHC string such as `$argon2id$...`) and, in the same
   * write, revokes the user's grants: a password change ends every sign-in.
   */
  setPassword(userId: string, hash: string, now: string): Promise<void>;
  passwordHash(userId: string): Promise<string | undefined>;
  /**
   * Stores a new grant and its authorization code together. When the store has the grant's user
   * disabled or not at all (the caller's view lagged an apply), the grant is stored revoked.
   */
  createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void>;
  /** Marks the code used, once; a second redemption revokes the code's grant. */
  redeemCode(codeSha256: string, now: string): Promise<CodeRedemption>;
  /** Adds a refresh token to a grant (after a code exchange). */
  addRefreshToken(token: RefreshTokenRecord): Promise<void>;
  /**
   * In one write transaction: find the token; when it is unused, unexpired, of a live grant and issued to
   * `clientId`, mark it used and store `next` in the same grant. A token used before revokes its grant.
   * `accept`, when given, sees the grant before the token is spent and throws to refuse the request: then
   * nothing is written and the token stays usable (a refresh asking for too much must not cost the
   * client its sign-in).
   */
  rotateRefreshToken(
    tokenSha256: string,
    clientId: string,
    next: Omit<RefreshTokenRecord, "grantId">,
    now: string,
    accept?: (grant: GrantRecord) => void,
  ): Promise<RefreshRotation>;
  revokeGrant(grantId: string, reason: string, now: string): Promise<void>;
  grant(grantId: string): Promise<GrantRecord | undefined>;
}
