/**
 * A scope name is unique only within its Api, but an access token's `scope` is one flat list (RFC 9068
 * §2.2.3), with nothing saying which of its audiences a name belongs to. So a token for several audiences
 * must not carry a name that more than one of their Apis defines: each of those Apis would read it as its
 * own grant, although it was granted at one of them only. RFC 8707 §2 and RFC 9068 §3 favour one audience
 * per token for the same reason; a client that needs such a scope asks for each audience in its own token
 * request. Every grant (client credentials, the user sign-in, its code exchange and refreshes) checks the
 * token it would issue here.
 */
import type { Snapshot } from "../snapshot.ts";
import { OAuthError } from "./errors.ts";

/** Each API scope in `scopes` that more than one of the `audiences`' Apis defines, with those Apis. */
export function ambiguousScopes(
  snapshot: Snapshot,
  audiences: readonly string[],
  scopes: Iterable<string>,
): Map<string, string[]> {
  const ambiguous = new Map<string, string[]>();
  const apis = audiences.flatMap((audience) => snapshot.apisByAudience.get(audience) ?? []);
  if (apis.length < 2) return ambiguous;
  for (const scope of new Set(scopes)) {
    const definers = apis.filter((api) => api.scopeNames.has(scope)).map((api) => api.name);
    if (definers.length > 1) ambiguous.set(scope, definers);
  }
  return ambiguous;
}

/**
 * invalid_scope when the token for `audiences` would carry a name two of their Apis define. `implied`:
 * the client asked for no API scope, so the token would carry every scope it may have there.
 */
export function refuseAmbiguousScopes(
  snapshot: Snapshot,
  audiences: readonly string[],
  scopes: Iterable<string>,
  implied: boolean,
): void {
  const ambiguous = ambiguousScopes(snapshot, audiences, scopes);
  if (ambiguous.size === 0) return;
  const names = [...ambiguous].map(([scope, apis]) => `${scope} (Apis ${apis.join(", ")})`).join("; ");
  const why = implied
    ? `no API scope was asked, so the token would carry every scope enabled at ${audiences.join(", ")}, and more than one of those Apis defines`
    : "more than one of the requested Apis defines";
  throw new OAuthError(
    "invalid_scope",
    `${why} ${names}: a token for several audiences carries one scope list, in which such a name would read as granted at each of them; ask for each audience in its own token request`,
  );
}
