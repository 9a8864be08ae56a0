/** Who a request acts as, once its access token or API key verified: what a handler reads as `req.auth`. */
export interface Principal {
  kind: "access_token" | "api_key";
  /** `sub`: the user, or the client for a machine-to-machine token; an API key's owner, when it has one. */
  subject: string | undefined;
  /** The client the access token was issued to; undefined for an API key. */
  clientId: string | undefined;
  /** The API key's name; undefined for an access token. */
  apiKey?: string;
  /** The scopes the token or key holds. */
  scopes: ReadonlySet<string>;
  /** When it stops being valid, in seconds since the epoch; undefined for a key without expiry. */
  expiresAt: number | undefined;
  /** The verified claims (of the JWT), or the introspection answer (of an API key). */
  claims: Readonly<Record<string, unknown>>;
}
