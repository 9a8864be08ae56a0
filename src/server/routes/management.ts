/**
 * Read-only management views under `/v1/` (JSON). Each needs a bearer access token of this server for
 * the management audience (`Settings.managementAudience`) carrying the view's permission: `read:apis`
 * for Apis, their import pages and the git sync status, `read:users` for users (docs/architecture.md#rules-from-the-product).
 * The permission counts only as it holds now at the management audience (liveAccessToken): enabled
 * there for the token's client (and held by a user token's user), not a same-named scope of another of
 * the token's audiences, nor one revoked since the token was issued.
 * Errors follow RFC 6750 §3: 401 with `WWW-Authenticate: Bearer` for a missing or invalid token (its
 * client no longer authorized for the management API included), 403 `insufficient_scope` for a token
 * without the permission.
 */
import { type NextFunction, type Request, type Response, Router } from "express";
import { redactDeep } from "../../core/redact.ts";
import { didYouMean } from "../../model/did-you-mean.ts";
import { effectiveScopes, sourceLabel } from "../../model/effective.ts";
import type { ManagementPermission } from "../../model/management.ts";
import type { ServerContext } from "../context.ts";
import { bearerChallenge, bearerTokenOf } from "../http/bearer.ts";
import { liveAccessToken } from "../oauth/live-access-token.ts";
import type { ApiEntry, Snapshot } from "../snapshot.ts";

function challenge(res: Response, status: 401 | 403, error?: string, description?: string): void {
  res.set("WWW-Authenticate", bearerChallenge(error, description));
  res.status(status).json(error ? { error, error_description: description } : { error: "unauthorized" });
}

/** Verifies the bearer token and its permission; puts the snapshot it was checked against in locals. */
function requirePermission(ctx: ServerContext, permission: ManagementPermission) {
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
    // live.scopes: what holds at the management audience only (see liveAccessToken).
    if (!live.scopes.includes(permission)) {
      challenge(res, 403, "insufficient_scope", `this view needs the ${permission} permission`);
      return;
    }
    res.locals.snapshot = snapshot;
    next();
  };
}

function apiView(api: ApiEntry) {
  return {
    name: api.name,
    audience: api.audience,
    displayName: api.displayName,
    ...(api.openApiSource ? { openApiSource: api.openApiSource } : {}),
    scopes: api.scopes.map((s) => ({
      name: s.name,
      description: s.description,
      source: s.origin,
      ...(s.source ? { openApiSource: s.source } : {}),
    })),
  };
}

function notFound(res: Response, what: string, name: string, known: Iterable<string>): void {
  res
    .status(404)
    .json({ error: "not_found", error_description: `no ${what} "${name}"${didYouMean(name, known)}` });
}

const snapshotOf = (res: Response): Snapshot => res.locals.snapshot as Snapshot;

export function managementRouter(ctx: ServerContext): Router {
  const router = Router();
  // The views hold users and their access: no cache keeps them, errors included.
  router.use((_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });

  router.get("/apis", requirePermission(ctx, "read:apis"), (_req, res) => {
    res.json({ apis: [...snapshotOf(res).apis.values()].map(apiView) });
  });

  // The git sync status, as `scopectl status --json` prints it: what is applied, what failed, what
  // drifted, and which loop leads (`leader`: {holder, since}, or null when none runs).
  router.get("/sync", requirePermission(ctx, "read:apis"), async (_req, res) => {
    const status = await ctx.store.syncStatus();
    if (!status) {
      res
        .status(404)
        .json({ error: "not_found", error_description: "no git sync has run against this store" });
      return;
    }
    const leader = (await ctx.store.syncLeader()) ?? null;
    // A status saved by an earlier version may hold URL credentials: never serve them.
    res.json({ ...redactDeep(status), leader });
  });

  router.get("/apis/:name", requirePermission(ctx, "read:apis"), (req, res) => {
    const { apis } = snapshotOf(res);
    const api = apis.get(String(req.params.name));
    if (!api) return notFound(res, "Api", String(req.params.name), apis.keys());
    res.json(apiView(api));
  });

  // The OpenAPI import page: the active file, and the history of uploads and deletions with their logs.
  router.get("/apis/:name/openapi", requirePermission(ctx, "read:apis"), async (req, res) => {
    const { apis } = snapshotOf(res);
    const name = String(req.params.name);
    const api = apis.get(name);
    if (!api) return notFound(res, "Api", name, apis.keys());
    const history = (await ctx.store.imports()).filter((record) => record.api === name);
    const latest = history[0];
    const active = api.openApiSource && latest && latest.action !== "delete" ? latest : undefined;
    res.json({
      api: name,
      source: api.openApiSource ?? null,
      active: active ? { ...active.file, commit: active.commit ?? null, time: active.time } : null,
      generatedScopes: api.scopes.filter((s) => s.origin === "openapi").length,
      history: history.map((record) => ({
        action: record.action,
        source: record.source,
        file: record.file,
        revision: record.revision,
        commit: record.commit ?? null,
        time: record.time,
        log: record.log,
      })),
    });
  });

  router.get("/users", requirePermission(ctx, "read:users"), (_req, res) => {
    const { users } = snapshotOf(res);
    res.json({
      users: [...users.entries()].map(([name, u]) => ({
        name,
        email: u.email,
        displayName: u.displayName,
        roles: u.roles,
        disabled: u.disabled,
      })),
    });
  });

  router.get("/users/:name/scopes", requirePermission(ctx, "read:users"), (req, res) => {
    const { users, roles } = snapshotOf(res);
    const name = String(req.params.name);
    const user = users.get(name);
    if (!user) return notFound(res, "user", name, users.keys());
    res.json({
      user: name,
      email: user.email,
      disabled: user.disabled,
      scopes: effectiveScopes(user, roles).map((e) => ({
        api: e.api,
        scope: e.scope,
        sources: e.sources.map(sourceLabel),
      })),
    });
  });

  return router;
}
