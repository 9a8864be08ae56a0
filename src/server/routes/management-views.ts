/**
 * The console's read views of `/v1` (docs/management-api.md): an Api's scopes with their holders,
 * roles, applications, API keys and the store's revisions. Each goes through the one gate
 * (management-auth.ts: `authenticate`, then `requirePermission`); the answers are built in
 * server/views/, from the snapshot the gate checked against (and the store, for revisions). Figures
 * about users are null for a caller without `read:users`.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";
import { ManagementNotFoundError, ManagementRequestError } from "../../engine/management/errors.ts";
import type { ServerContext } from "../context.ts";
import { apiKeyListView } from "../views/api-keys.ts";
import { applicationListView } from "../views/applications.ts";
import { parsePaging } from "../views/paging.ts";
import { parseRevision, revisionDetailView, revisionListView } from "../views/revisions.ts";
import { roleListView } from "../views/roles.ts";
import { scopeDetailView, scopeListView } from "../views/scopes.ts";
import { actorOf, requirePermission, snapshotOf } from "./management-auth.ts";

/** A view's refusal as its answer: 400 for a bad parameter, 404 for an unknown name; the rest to the app. */
export function answerViewError(error: unknown, res: Response, next: NextFunction): void {
  if (error instanceof ManagementRequestError) {
    res.status(400).json({ error: "invalid_request", error_description: error.message });
  } else if (error instanceof ManagementNotFoundError) {
    res.status(404).json({ error: "not_found", error_description: error.message });
  } else {
    next(error);
  }
}

type View = (req: Request, res: Response) => unknown;

/** Answers the view's value as JSON, its refusals as above (sync or async). */
export const viewHandler =
  (view: View) =>
  (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => view(req, res))
      .then((value) => {
        res.json(value);
      })
      .catch((error: unknown) => answerViewError(error, res, next));
  };

export const readsUsers = (res: Response): boolean => actorOf(res).permissions.has("read:users");

export function mountManagementViews(router: Router, ctx: ServerContext, gate: RequestHandler): void {
  const readApis = requirePermission("read:apis");
  const paged = { search: true };

  router.get(
    "/apis/:api/scopes",
    gate,
    readApis,
    viewHandler((req, res) =>
      scopeListView(snapshotOf(res), String(req.params.api), parsePaging(req.query, paged), readsUsers(res)),
    ),
  );
  router.get(
    "/apis/:api/scopes/:scope",
    gate,
    readApis,
    viewHandler((req, res) =>
      scopeDetailView(snapshotOf(res), String(req.params.api), String(req.params.scope), readsUsers(res)),
    ),
  );
  router.get(
    "/roles",
    gate,
    readApis,
    viewHandler((req, res) => roleListView(snapshotOf(res), parsePaging(req.query, paged), readsUsers(res))),
  );
  router.get(
    "/applications",
    gate,
    readApis,
    viewHandler((req, res) => applicationListView(snapshotOf(res), parsePaging(req.query, paged))),
  );
  router.get(
    "/api-keys",
    gate,
    readApis,
    viewHandler((req, res) => apiKeyListView(snapshotOf(res), parsePaging(req.query, paged))),
  );
  router.get(
    "/revisions",
    gate,
    readApis,
    viewHandler((req) => revisionListView(ctx.store, parsePaging(req.query, { search: false }))),
  );
  router.get(
    "/revisions/:n",
    gate,
    readApis,
    viewHandler((req, res) =>
      revisionDetailView(ctx.store, parseRevision(String(req.params.n)), readsUsers(res)),
    ),
  );
}
