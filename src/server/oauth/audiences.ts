/**
 * RFC 8707 targets, as every grant checks them: a `resource` must be an absolute URI without a fragment
 * (§2), and every requested audience must be an Api of the tenant and one the client is authorized for
 * (`invalid_target` otherwise, naming the value). `audience` (Kinde's parameter) also takes the Api
 * audiences that are identifiers rather than URIs.
 */
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { OAuthError } from "./errors.ts";
import { spaceList } from "./form.ts";

/** RFC 3986 §3.1: an absolute URI starts with its scheme. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/**
 * An RFC 3986 URI is printable ASCII without spaces. Checked first, since WHATWG URL parsing silently drops
 * what is not (tabs and newlines inside, spaces around) and would accept the rest.
 */
const URI_CHARACTERS = /^[!-~]+$/;

/** invalid_target unless `resource` is an absolute URI without a fragment (RFC 8707 §2). */
export function checkResourceIndicator(resource: string): void {
  if (resource.includes("#")) {
    throw new OAuthError(
      "invalid_target",
      `resource ${resource} has a fragment; a resource must be an absolute URI without one (RFC 8707 §2)`,
    );
  }
  if (!URI_CHARACTERS.test(resource) || !SCHEME.test(resource) || !URL.canParse(resource)) {
    throw new OAuthError(
      "invalid_target",
      `resource ${resource} is not an absolute URI (RFC 8707 §2); use audience for an identifier`,
    );
  }
}

/**
 * The targets a request names: `audience` split on spaces, then each `resource` (checked), in request
 * order and without repeats. Empty: none named.
 */
export function requestedTargets(audience: string | undefined, resources: readonly string[]): string[] {
  for (const resource of resources) checkResourceIndicator(resource);
  return [...new Set([...spaceList(audience), ...resources])];
}

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
