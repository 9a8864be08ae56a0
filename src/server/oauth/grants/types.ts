/**
 * The one shape of a token endpoint grant (RFC 6749 §3.2): the route (routes/token.ts) parses the form,
 * looks the grant up by its grant_type (index.ts), authenticates the client, then calls the grant with
 * what it found. A grant checks its own parameters and answers with the token response, or throws an
 * OAuthError that the route sends.
 */
import type { ServerContext } from "../../context.ts";
import type { ClientEntry, Snapshot } from "../../snapshot.ts";
import type { Form } from "../form.ts";
import type { TokenResponseBody } from "../user-tokens.ts";

export interface GrantRequest {
  /** The snapshot the client was authenticated against; the whole request uses this one. */
  snapshot: Snapshot;
  /** The authenticated client. */
  client: ClientEntry;
  form: Form;
  /** Epoch seconds, read once per request. */
  now: number;
}

export interface TokenGrant {
  /**
   * Whether a public client (spa) may use the grant with its client_id alone: the user grants, where
   * PKCE binds the code and rotation the refresh token. Client authentication reads it before the grant runs.
   */
  readonly publicClients: boolean;
  handle(ctx: ServerContext, request: GrantRequest): Promise<TokenResponseBody>;
}
