/** `POST /oauth2/token` (RFC 6749 §3.2): the client credentials grant, with audiences (RFC 8707). */
import type { ServerContext } from "../context.ts";
import { type OAuthRequest, type OAuthResponse, sendJson, setClientId } from "../http/types.ts";
import { issueAccessToken } from "../oauth/access-token.ts";
import { authenticateRequest } from "../oauth/authenticate-request.ts";
import { clientCredentialsGrant } from "../oauth/client-credentials.ts";
import { invalidRequest, OAuthError } from "../oauth/errors.ts";
import { readForm, spaceList } from "../oauth/form.ts";
import { noStore, sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";
import { type ReusableToken, TokenReuse } from "../oauth/token-reuse.ts";

export const GRANT_TYPES_SUPPORTED = ["client_credentials"] as const;

export function tokenHandler(ctx: ServerContext) {
  return async (req: OAuthRequest, res: OAuthResponse): Promise<void> => {
    let grantType = "unknown";
    try {
      const snapshot = ctx.snapshot();
      if (!snapshot) throw temporarilyUnavailable();
      const form = readForm(req, ["resource"]);
      const given = form.one("grant_type");
      if (given === undefined) throw invalidRequest("grant_type is required");
      if (!(GRANT_TYPES_SUPPORTED as readonly string[]).includes(given)) {
        throw new OAuthError(
          "unsupported_grant_type",
          `grant_type ${given} is not supported; this server supports ${GRANT_TYPES_SUPPORTED.join(", ")}`,
        );
      }
      grantType = given;
      const client = await authenticateRequest(ctx, snapshot, req, form);
      setClientId(res, client.clientId);
      const audiences = [...new Set([...spaceList(form.one("audience")), ...form.all("resource")])];
      const grant = clientCredentialsGrant(snapshot, client, {
        audiences,
        scopes: spaceList(form.one("scope")),
      });
      const now = Math.floor(Date.now() / 1000);
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
      ctx.metrics.tokensIssued.inc({ grant: grantType });
      noStore(res);
      sendJson(res, 200, {
        access_token: token.issued.token,
        token_type: "Bearer",
        expires_in: token.expiresAt - now,
        scope: grant.scopes.join(" "),
      });
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
