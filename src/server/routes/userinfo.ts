/**
 * `GET|POST /oauth2/userinfo` (OpenID Connect Core §5.3): the signed-in user's claims, for an access
 * token of this issuer that was granted `openid`. Errors follow RFC 6750 §3: 401 with a Bearer challenge
 * (no error code when no token was sent), 403 insufficient_scope without `openid`.
 *
 * Any audience is accepted, as OpenID Connect Core §5.3.1 asks only for "the Access Token obtained from
 * an OpenID Connect Authentication Request". node-oidc-provider refuses a token with an `aud` here, but
 * it can: with resource indicators, a code exchange or refresh that names no resource gets an aud-less
 * token for userinfo. This server issues one token per exchange, for the sign-in's Apis (the userinfo
 * audience only when it names none and the client has no single Api), so refusing Api audiences would
 * leave a client that signed in for an Api no token for userinfo short of a second sign-in
 * (openid-client's fetchUserInfo after a sign-in with `audience`). Auth0, with the same one-token model,
 * puts its /userinfo into every such token's `aud`, which comes to the same. What an Api holding the
 * token could read here is what the ID token already tells the client (`profile`, `email` as granted).
 * The token is still bound as node-oidc-provider binds it: a live sign-in whose grant is the token's
 * client's.
 */
import type { Request, Response } from "express";
import type { ServerContext } from "../context.ts";
import { bearerChallenge, bearerTokenOf } from "../http/bearer.ts";
import { profileClaims } from "../oauth/id-token.ts";
import { liveAccessToken } from "../oauth/live-access-token.ts";
import { noStore } from "../oauth/respond.ts";

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
      noStore(res);
      res
        .status(503)
        .json({ error: "temporarily_unavailable", error_description: "the service is starting" });
      return;
    }
    const token = bearerTokenOf(req);
    if (token === undefined) return refuse(res, 401);
    const live = await liveAccessToken(ctx.store, snapshot, token);
    if (!live) {
      return refuse(
        res,
        401,
        "invalid_token",
        "the access token is not valid, has expired, or its sign-in ended",
      );
    }
    if (!live.scopes.includes("openid")) {
      return refuse(res, 403, "insufficient_scope", "the access token was not granted openid");
    }
    // Only a user sign-in's token (it carries its grant as sid) has a user to show.
    const { sub, sid } = live.payload;
    const user = typeof sid === "string" && sub !== undefined ? snapshot.users.get(sub) : undefined;
    if (!user) return refuse(res, 401, "invalid_token", "the access token is not a user's");
    noStore(res);
    res.json({ sub, ...profileClaims(user, live.scopes) });
  };
}
