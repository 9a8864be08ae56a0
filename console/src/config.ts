/**
 * What the console needs to sign in, from `GET /console/config.json` (server/console/console-client.ts):
 * the issuer, the console Application's client id and redirect URI, and the management audience.
 */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  audience: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** Why the console cannot start: shown as the whole page. */
export class ConfigError extends Error {}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console/config.json", { headers: { accept: "application/json" } });
  const body = (await res.json().catch(() => ({}))) as Partial<ConsoleConfig> & {
    error_description?: string;
  };
  if (!res.ok)
    throw new ConfigError(body.error_description ?? `the console's settings answered ${res.status}`);
  return body as ConsoleConfig;
}
