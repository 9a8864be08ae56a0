/**
 * RFC 8707 targets, as both kinds of grant check them: every requested audience must be an Api of the
 * tenant and one the client is authorized for (`invalid_target` otherwise, naming the audience).
 */
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { OAuthError } from "./errors.ts";

export function checkAudiences(
  snapshot: Snapshot,
  client: ClientEntry,
  requested: readonly string[],
): string[] {
  for (const audience of requested) {
    if (!snapshot.apisByAudience.has(audience)) {
      throw new OAuthError("invalid_target", `unknown audience ${audience}`);
    }
    if (!client.authorizations.has(audience)) {
      throw new OAuthError(
        "invalid_target",
        `client ${client.clientId} is not authorized for the audience ${audience}`,
      );
    }
  }
  return [...requested];
}
