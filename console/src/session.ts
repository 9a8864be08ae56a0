/**
 * The signed-in user's session: the access token for the management audience, its granted scopes and
 * expiry, and who signed in. Kept in sessionStorage (this tab only, gone when it closes) so a reload
 * keeps the user signed in; the strict CSP (no inline or foreign script) is what guards it. Nothing here
 * is trusted for access: every /v1 call is checked by the server with the token as it holds now.
 */
const KEY = "scopectl.console.session";

export interface Session {
  accessToken: string;
  /** The token response's `scope` (RFC 6749 §5.1): what the token was granted. */
  scopes: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
  /** From the ID token: who signed in. */
  user: { sub: string; name?: string; email?: string };
}

export function readSession(now = Date.now()): Session | undefined {
  const text = sessionStorage.getItem(KEY);
  if (!text) return undefined;
  try {
    const session = JSON.parse(text) as Session;
    if (typeof session.accessToken !== "string" || !(session.expiresAt > now)) {
      clearSession();
      return undefined;
    }
    return session;
  } catch {
    clearSession();
    return undefined;
  }
}

export const saveSession = (session: Session): void => sessionStorage.setItem(KEY, JSON.stringify(session));

export const clearSession = (): void => sessionStorage.removeItem(KEY);

export const holds = (session: Session, ...permissions: string[]): boolean =>
  permissions.every((p) => session.scopes.includes(p));
