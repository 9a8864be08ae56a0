/**
 * The management API under `/v1/` (JSON; docs/management-api.md): the read views here, the writes in
 * management-writes.ts, every call through the one gate of management-auth.ts (a bearer token for the
 * management audience, its permissions as they hold now; RFC 6750 §3 errors). Views need `read:apis`
 * (Apis, their import pages, the git sync status) or `read:users` (users). The console's views (scopes
 * with holders, roles, applications, API keys, revisions) are in management-views.ts; the lists page
 * with server/views/paging.ts.
 */
import { type Response, Router } from "express";
import { redactDeep } from "../../core/redact.ts";
import { didYouMean } from "../../model/did-you-mean.ts";
import { effectiveScopes, sourceLabel } from "../../model/effective.ts";
import type { ServerContext } from "../context.ts";
import { apiListView, apiView } from "../views/apis.ts";
import { parsePaging } from "../views/paging.ts";
import { userListView } from "../views/users.ts";
import { authenticate, requirePermission, snapshotOf } from "./management-auth.ts";
import { mountManagementViews, viewHandler } from "./management-views.ts";
import { mountManagementWrites } from "./management-writes.ts";

function notFound(res: Response, what: string, name: string, known: Iterable<string>): void {
  res
    .status(404)
    .json({ error: "not_found", error_description: `no ${what} "${name}"${didYouMean(name, known)}` });
}

export function managementRouter(ctx: ServerContext): Router {
  const router = Router();
  // The views hold users and their access: no cache keeps them, errors included.
  router.use((_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });

  // Per route, not router-wide: a path that does not decode is a 400 before any token is looked at.
  const gate = authenticate(ctx);

  // Every Api (and `total`) without a paging parameter, as before paging existed; a page with one.
  router.get(
    "/apis",
    gate,
    requirePermission("read:apis"),
    viewHandler((req, res) => apiListView(snapshotOf(res), parsePaging(req.query, { search: true }))),
  );

  // The git sync status, as `scopectl status --json` prints it: what is applied, what failed, what
  // drifted, and which loop leads (`leader`: {holder, since}, or null when none runs).
  router.get("/sync", gate, requirePermission("read:apis"), async (_req, res) => {
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

  router.get("/apis/:name", gate, requirePermission("read:apis"), (req, res) => {
    const { apis } = snapshotOf(res);
    const api = apis.get(String(req.params.name));
    if (!api) return notFound(res, "Api", String(req.params.name), apis.keys());
    res.json(apiView(api));
  });

  // The OpenAPI import page: the active file, and the history of uploads and deletions with their logs.
  router.get("/apis/:name/openapi", gate, requirePermission("read:apis"), async (req, res) => {
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
      // Whether that source takes uploads (PUT/DELETE on this path) rather than a file from git.
      uploads: api.openApiUpload === true,
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

  // Every user (and `total`) without a paging parameter, a page with one; each with its scope count.
  router.get(
    "/users",
    gate,
    requirePermission("read:users"),
    viewHandler((req, res) => userListView(snapshotOf(res), parsePaging(req.query, { search: true }))),
  );

  router.get("/users/:name/scopes", gate, requirePermission("read:users"), (req, res) => {
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

  mountManagementViews(router, ctx, gate);
  mountManagementWrites(router, ctx, gate);
  return router;
}
