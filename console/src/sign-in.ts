/**
 * Signing in: authorization code with PKCE (RFC 7636) and state against this same server, as any
 * public client does, with oauth4webapi (no OAuth code of our own). The request asks for the
 * management audience; the token holds the management permissions the user's roles grant there.
 */
import * as oauth from "oauth4webapi";
import type { ConsoleConfig } from "./config.ts";
import { type Session, saveSession } from "./session.ts";

const PENDING = "scopectl.console.pending";

interface Pending {
  state: string;
  verifier: string;
  nonce: string;
  /** The console page to return to. */
  returnTo: string;
}

const serverOf = (config: ConsoleConfig): oauth.AuthorizationServer => ({
  issuer: config.issuer,
  authorization_endpoint: config.authorizationEndpoint,
  token_endpoint: config.tokenEndpoint,
});

/** http is allowed for a loopback or plain-http issuer (a local `npm start`); https stays the norm. */
const insecure = (config: ConsoleConfig) => ({
  [oauth.allowInsecureRequests]: new URL(config.issuer).protocol === "http:",
});

export async function startSignIn(config: ConsoleConfig, returnTo: string): Promise<void> {
  const pending: Pending = {
    state: oauth.generateRandomState(),
    verifier: oauth.generateRandomCodeVerifier(),
    nonce: oauth.generateRandomNonce(),
    returnTo,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: "openid profile email",
    audience: config.audience,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.href);
}

/** The callback: checks state (and the RFC 9207 `iss`), redeems the code, keeps the session. */
export async function finishSignIn(config: ConsoleConfig, callback: URL): Promise<string> {
  const text = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!text) throw new Error("this sign-in was not started here (or was already finished): sign in again");
  const pending = JSON.parse(text) as Pending;
  const as = serverOf(config);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, callback, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    config.redirectUri,
    pending.verifier,
    insecure(config),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const claims = oauth.getValidatedIdTokenClaims(result);
  const session: Session = {
    accessToken: result.access_token,
    scopes: (result.scope ?? "").split(" ").filter(Boolean),
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
    user: {
      sub: String(claims?.sub ?? ""),
      ...(typeof claims?.name === "string" ? { name: claims.name } : {}),
      ...(typeof claims?.email === "string" ? { email: claims.email } : {}),
    },
  };
  saveSession(session);
  return pending.returnTo;
}

/** An error of the sign-in, in words for the page (oauth4webapi's carry the server's error). */
export function signInErrorText(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}
