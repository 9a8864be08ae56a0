/**
 * The one gate of every `/v1` call: a bearer access token of this server for the management audience,
 * checked by liveAccessToken (the permission counts only as it holds now at the management audience:
 * enabled there for the token's client, held by a user token's user, not revoked since issue). It puts
 * the snapshot it checked against and the caller (a ManagementActor) in `res.locals`; views then
 * require their permission here, writes decide theirs inside their transaction (engine/management/).
 * Errors follow RFC 6750 §3: 401 `invalid_token` with `WWW-Authenticate: Bearer`, 403
 * `insufficient_scope` naming the missing permissions in the challenge's `scope`.
 */
import type { NextFunction, Request, Response } from "express";
import type { ManagementActor } from "../../engine/management/actor.ts";
import type { ManagementPermission } from "../../model/management.ts";
import type { ServerContext } from "../context.ts";
import { bearerChallenge, bearerTokenOf } from "../http/bearer.ts";
import { liveAccessToken } from "../oauth/live-access-token.ts";
import type { Snapshot } from "../snapshot.ts";

export function challenge(
  res: Response,
  status: 401 | 403,
  error?: string,
  description?: string,
  scope?: string,
): void {
  res.set("WWW-Authenticate", bearerChallenge(error, description, scope));
  res.status(status).json(error ? { error, error_description: description } : { error: "unauthorized" });
}

/** 403 insufficient_scope naming exactly `missing`. */
export function insufficientScope(res: Response, missing: readonly string[]): void {
  const list = missing.join(" ");
  const noun = missing.length === 1 ? "permission" : "permissions";
  challenge(res, 403, "insufficient_scope", `this call needs the ${missing.join(", ")} ${noun}`, list);
}

export const snapshotOf = (res: Response): Snapshot => res.locals.snapshot as Snapshot;
export const actorOf = (res: Response): ManagementActor => res.locals.actor as ManagementActor;

/** Verifies the bearer token; puts the snapshot and the actor in locals. */
export function authenticate(ctx: ServerContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const snapshot = ctx.snapshot();
    if (!snapshot) {
      res
        .status(503)
        .json({ error: "unavailable", error_description: "the service state is not loaded yet" });
      return;
    }
    const token = bearerTokenOf(req);
    if (token === undefined) {
      challenge(res, 401);
      return;
    }
    const live = await liveAccessToken(ctx.store, snapshot, token, {
      audience: snapshot.settings.managementAudience,
    });
    if (!live) {
      challenge(
        res,
        401,
        "invalid_token",
        "the access token is invalid, expired, not for the management API (or its client no longer is), or its sign-in ended",
      );
      return;
    }
    const user =
      live.payload.sid !== undefined && typeof live.payload.sub === "string" ? live.payload.sub : undefined;
    const actor: ManagementActor = {
      clientId: live.client.clientId,
      ...(user !== undefined ? { user } : {}),
      // live.scopes: what holds at the management audience only (see liveAccessToken).
      permissions: new Set(live.scopes),
    };
    res.locals.snapshot = snapshot;
    res.locals.actor = actor;
    next();
  };
}

/** A view's permission, after authenticate. */
export function requirePermission(permission: ManagementPermission) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (actorOf(res).permissions.has(permission)) next();
    else insufficientScope(res, [permission]);
  };
}
