/**
 * What applies when there is no Settings document, or a field is left out: plain values, apart from the
 * Settings schema (settings.ts), so that the resolver and the token service read them without loading
 * the schema library.
 */
import type { SigningAlg } from "../../model/desired.ts";

export const SIGNING_ALGS = ["RS256", "ES256", "EdDSA"] as const satisfies readonly SigningAlg[];

export const SETTINGS_DEFAULTS = {
  issuer: "http://localhost:8080",
  signingAlg: "RS256",
  accessTokenLifetimeSeconds: 3600,
} as const satisfies { issuer: string; signingAlg: SigningAlg; accessTokenLifetimeSeconds: number };

/** `<issuer>/v1`: the built-in management API lives under the issuer. */
export function defaultManagementAudience(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/v1`;
}
