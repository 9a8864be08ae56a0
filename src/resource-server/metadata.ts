/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata: the document a client (an MCP client, oauth4webapi's
 * resource discovery) reads to learn which authorization server issues tokens for this API, which scopes
 * it knows and how to present a token. Its URL is the resource identifier with
 * `/.well-known/oauth-protected-resource` put between the host and the path (§3.1); the API also serves it
 * at the bare well-known path, for clients that ask there.
 */

export const WELL_KNOWN_PATH = "/.well-known/oauth-protected-resource";

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
}

/** §3.1: `https://api.example.com/catalog` → `https://api.example.com/.well-known/oauth-protected-resource/catalog`. */
export function metadataUrlOf(resource: string): URL {
  const url = new URL(resource);
  const path = url.pathname.replace(/\/+$/, "");
  const metadata = new URL(`${WELL_KNOWN_PATH}${path}`, url.origin);
  metadata.search = url.search;
  return metadata;
}

/** The request paths the document is served at: the §3.1 one, and the bare well-known path. */
export function metadataPathsOf(resource: string): string[] {
  return [...new Set([metadataUrlOf(resource).pathname, WELL_KNOWN_PATH])];
}

export function protectedResourceMetadata(fields: {
  resource: string;
  issuer: string;
  scopes: string[];
  name?: string;
}): ProtectedResourceMetadata {
  return {
    resource: fields.resource,
    authorization_servers: [fields.issuer],
    scopes_supported: fields.scopes,
    // RFC 6750 §2.1 only: a token in a form body or a query (§2.2, §2.3) is refused.
    bearer_methods_supported: ["header"],
    ...(fields.name ? { resource_name: fields.name } : {}),
  };
}
