/**
 * Which Application is the web console: the one that registers this server's own `/console/callback`
 * as a redirect URI. No setting names it; declaring the redirect URI is what makes an Application the
 * console (docs/console.md#the-console-is-an-application), so signing in to it goes through the same
 * authorization endpoint, PKCE and token checks as any other client.
 */
import type { ClientEntry, Snapshot } from "../snapshot.ts";

export const CONSOLE_PATH = "/console";

export function consoleRedirectUri(snapshot: Snapshot): string {
  return `${snapshot.issuer}${CONSOLE_PATH}/callback`;
}

/** The enabled public (spa) or confidential-less client whose redirect URIs include the console's callback. */
export function consoleClient(snapshot: Snapshot): ClientEntry | undefined {
  const redirectUri = consoleRedirectUri(snapshot);
  for (const client of snapshot.clients.values())
    if (client.type === "spa" && !client.disabled && client.redirectUris.includes(redirectUri)) return client;
  return undefined;
}

/** What the console's script needs to sign in: everything here is public (a spa client has no secret). */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  audience: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

export function consoleConfig(snapshot: Snapshot): ConsoleConfig | undefined {
  const client = consoleClient(snapshot);
  if (!client) return undefined;
  return {
    issuer: snapshot.issuer,
    clientId: client.clientId,
    redirectUri: consoleRedirectUri(snapshot),
    audience: snapshot.settings.managementAudience,
    authorizationEndpoint: `${snapshot.issuer}/oauth2/authorize`,
    tokenEndpoint: `${snapshot.issuer}/oauth2/token`,
  };
}
