/**
 * `POST /oauth2/token` (RFC 6749 §3.2): the client credentials grant with audiences (RFC 8707), and the
 * user grants: authorization_code (with PKCE) and refresh_token.
 */
import type { ServerContext } from "../context.ts";
import { type OAuthRequest, type OAuthResponse, sendJson, setClientId } from "../http/types.ts";
import { issueAccessToken } from "../oauth/access-token.ts";
import { requestedTargets } from "../oauth/audiences.ts";
import { authenticateRequest } from "../oauth/authenticate-request.ts";
import { authorizationCodeGrant } from "../oauth/authorization-code-grant.ts";
import { clientCredentialsGrant } from "../oauth/client-credentials.ts";
import { invalidRequest, OAuthError } from "../oauth/errors.ts";
import { type Form, readForm, spaceList } from "../oauth/form.ts";
import { refreshTokenGrant } from "../oauth/refresh-token-grant.ts";
import { noStore, sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";
import { type ReusableToken, TokenReuse } from "../oauth/token-reuse.ts";
import type { TokenResponseBody } from "../oauth/user-tokens.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";

export const GRANT_TYPES_SUPPORTED = ["client_credentials", "authorization_code", "refresh_token"] as const;
type GrantType = (typeof GRANT_TYPES_SUPPORTED)[number];

const isGrantType = (value: string): value is GrantType =>
  (GRANT_TYPES_SUPPORTED as readonly string[]).includes(value);

/** The client credentials grant, with token reuse (see token-reuse.ts). */
async function clientCredentials(
  ctx: ServerContext,
  snapshot: Snapshot,
  client: ClientEntry,
  form: Form,
  now: number,
): Promise<TokenResponseBody> {
  const audiences = requestedTargets(form.one("audience"), form.all("resource"));
  const grant = clientCredentialsGrant(snapshot, client, {
    audiences,
    scopes: spaceList(form.one("scope")),
  });
  const issue = async (): Promise<ReusableToken> => ({
    issued: await issueAccessToken(snapshot, grant, now),
    issuedAt: now,
    expiresAt: now + grant.lifetimeSeconds,
  });
  const reuse = ctx.tokenReuse(snapshot);
  const token = reuse
    ? await reuse.get(
        TokenReuse.key(client.clientId, grant.audiences, grant.scopes),
        grant.lifetimeSeconds,
        now,
        issue,
      )
    : await issue();
  return {
    access_token: token.issued.token,
    token_type: "Bearer",
    expires_in: token.expiresAt - now,
    scope: grant.scopes.join(" "),
  };
}

export function tokenHandler(ctx: ServerContext) {
  return async (req: OAuthRequest, res: OAuthResponse): Promise<void> => {
    let grantType = "unknown";
    try {
      const snapshot = ctx.snapshot();
      if (!snapshot) throw temporarilyUnavailable();
      const form = readForm(req, ["resource"]);
      const given = form.one("grant_type");
      if (given === undefined) throw invalidRequest("grant_type is required");
      if (!isGrantType(given)) {
        throw new OAuthError(
          "unsupported_grant_type",
          `grant_type ${given} is not supported; this server supports ${GRANT_TYPES_SUPPORTED.join(", ")}`,
        );
      }
      grantType = given;
      // Public clients (spa) identify themselves by client_id alone in the user grants; PKCE binds the code.
      const client = await authenticateRequest(ctx, snapshot, req, form, given !== "client_credentials");
      setClientId(res, client.clientId);
      const now = Math.floor(Date.now() / 1000);
      const body =
        given === "client_credentials"
          ? await clientCredentials(ctx, snapshot, client, form, now)
          : given === "authorization_code"
            ? await authorizationCodeGrant(ctx.store, snapshot, client, form, now)
            : await refreshTokenGrant(ctx.store, snapshot, client, form, now);
      ctx.metrics.tokensIssued.inc({ grant: grantType });
      noStore(res);
      sendJson(res, 200, body);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      ctx.metrics.tokensRefused.inc({
        grant: grantType,
        reason: error.status === 429 ? "rate_limited" : error.code,
      });
      sendOAuthError(res, error);
    }
  };
}
