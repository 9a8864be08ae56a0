/**
 * `POST /oauth2/token` (RFC 6749 §3.2): what every grant shares (the form, the grant_type lookup, client
 * authentication, metrics, no-store and the error response); the grants themselves are in oauth/grants/.
 */
import type { ServerContext } from "../context.ts";
import { type OAuthRequest, type OAuthResponse, sendJson, setClientId } from "../http/types.ts";
import { authenticateRequest } from "../oauth/authenticate-request.ts";
import { invalidRequest, OAuthError, oauthErrorOf } from "../oauth/errors.ts";
import { readForm } from "../oauth/form.ts";
import { GRANT_TYPES_SUPPORTED, grantFor } from "../oauth/grants/index.ts";
import { noStore, sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";

export function tokenHandler(ctx: ServerContext) {
  return async (req: OAuthRequest, res: OAuthResponse): Promise<void> => {
    let grantType = "unknown";
    try {
      const snapshot = ctx.snapshot();
      if (!snapshot) throw temporarilyUnavailable();
      const form = readForm(req, ["resource"]);
      const given = form.one("grant_type");
      if (given === undefined) throw invalidRequest("grant_type is required");
      const grant = grantFor(given);
      if (!grant) {
        throw new OAuthError(
          "unsupported_grant_type",
          `grant_type ${given} is not supported; this server supports ${GRANT_TYPES_SUPPORTED.join(", ")}`,
        );
      }
      grantType = given;
      // One client authentication for every grant; the grant says whether a public client may use it.
      const client = await authenticateRequest(ctx, snapshot, req, form, grant.publicClients);
      setClientId(res, client.clientId);
      const now = Math.floor(Date.now() / 1000);
      const body = await grant.handle(ctx, { snapshot, client, form, now });
      ctx.metrics.tokensIssued.inc({ grant: grantType });
      noStore(res);
      sendJson(res, 200, body);
    } catch (thrown) {
      // A store outage (a grant that needs the store: codes, refresh tokens) is a 503 with Retry-After.
      const error = oauthErrorOf(thrown);
      if (!error) throw thrown;
      ctx.metrics.tokensRefused.inc({
        grant: grantType,
        reason: error.status === 429 ? "rate_limited" : error.error,
      });
      sendOAuthError(res, error);
    }
  };
}
