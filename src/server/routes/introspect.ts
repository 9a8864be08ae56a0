/** `POST /oauth2/introspect` (RFC 7662): the caller authenticates as an application. */
import type { ServerContext } from "../context.ts";
import { type OAuthRequest, type OAuthResponse, sendJson, setClientId } from "../http/types.ts";
import { authenticateRequest } from "../oauth/authenticate-request.ts";
import { invalidRequest, oauthErrorOf } from "../oauth/errors.ts";
import { readForm } from "../oauth/form.ts";
import { introspect } from "../oauth/introspection.ts";
import { noStore, sendOAuthError, temporarilyUnavailable } from "../oauth/respond.ts";

export function introspectHandler(ctx: ServerContext) {
  return async (req: OAuthRequest, res: OAuthResponse): Promise<void> => {
    try {
      const snapshot = ctx.snapshot();
      if (!snapshot) throw temporarilyUnavailable();
      const form = readForm(req);
      const caller = await authenticateRequest(ctx, snapshot, req, form);
      setClientId(res, caller.clientId);
      const token = form.one("token");
      if (token === undefined) throw invalidRequest("token is required");
      const answer = await introspect(ctx.store, snapshot, caller, token);
      ctx.metrics.introspections.inc({ result: answer.active ? "active" : "inactive" });
      noStore(res);
      sendJson(res, 200, answer);
    } catch (thrown) {
      // A store outage (a user token's grant is read from the store) is a 503 with Retry-After.
      const error = oauthErrorOf(thrown);
      if (!error) throw thrown;
      ctx.metrics.introspections.inc({ result: "refused" });
      sendOAuthError(res, error);
    }
  };
}
