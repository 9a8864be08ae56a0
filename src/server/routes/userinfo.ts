/**
 * `GET|POST /oauth2/userinfo` (OpenID Connect Core §5.3): the signed-in user's claims, for an access
 * token of this issuer that was granted `openid`. Errors follow RFC 6750 §3: 401 with a Bearer challenge
 * (no error code when no token was sent), 403 insufficient_scope without `openid`.
 */
import type { Request, Response } from "express";
import type { JWTPayload } from "jose";
import type { ServerContext } from "../context.ts";
import { bearerChallenge } from "../http/bearer.ts";
import { verifyAccessToken } from "../oauth/access-token.ts";
import { profileClaims } from "../oauth/id-token.ts";
import { noStore } from "../oauth/respond.ts";
import { userSessionLive } from "../oauth/user-session.ts";

function refuse(res: Response, status: 401 | 403, error?: string, description?: string): void {
  noStore(res);
  res.set("WWW-Authenticate", bearerChallenge(error, description)).status(status);
  if (error) res.json({ error, error_description: description });
  else res.end();
}

export function userinfoHandler(ctx: ServerContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const snapshot = ctx.snapshot();
    if (!snapshot) {
      res
        .status(503)
        .json({ error: "temporarily_unavailable", error_description: "the service is starting" });
      return;
    }
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(req.get("authorization") ?? "");
    if (!match?.[1]) return refuse(res, 401);
    let payload: JWTPayload;
    try {
      payload = await verifyAccessToken(snapshot, match[1]);
    } catch {
      return refuse(res, 401, "invalid_token", "the access token is not valid or has expired");
    }
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
    if (!scopes.includes("openid")) {
      return refuse(res, 403, "insufficient_scope", "the access token was not granted openid");
    }
    const user = payload.sub === undefined ? undefined : snapshot.users.get(payload.sub);
    const client =
      typeof payload.client_id === "string" ? snapshot.clients.get(payload.client_id) : undefined;
    if (!user || !client || client.disabled || !(await userSessionLive(ctx.store, snapshot, payload))) {
      return refuse(res, 401, "invalid_token", "the access token's sign-in is no longer valid");
    }
    noStore(res);
    res.json({ sub: payload.sub, ...profileClaims(user, scopes) });
  };
}
