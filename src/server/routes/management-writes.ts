/**
 * The management API's writes (docs/management-api.md): upload, replace and delete an Api's OpenAPI
 * import, and add, edit and delete its scopes. The routes only read the request and map the answer;
 * what may change and the one transaction that changes it are engine/management/'s. Every write
 * answers `Cache-Control: no-store` (set for all of /v1 by the views' router).
 */
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from "express";
import { requirePermissions } from "../../engine/management/actor.ts";
import {
  InsufficientPermissionError,
  ManagementConflictError,
  ManagementNotFoundError,
  ManagementRequestError,
} from "../../engine/management/errors.ts";
import { deleteImport, uploadSpec } from "../../engine/management/openapi-import.ts";
import { createScope, deleteScope, updateScope } from "../../engine/management/scopes.ts";
import { InputError } from "../../model/diagnostics.ts";
import { importSpecBytesInWorker } from "../../openapi/import-in-worker.ts";
import type { ServerContext } from "../context.ts";
import { closeAfterAnswer } from "../http/lingering-close.ts";
import { readSpecBody, SpecBodyError } from "../http/spec-body.ts";
import { actorOf, insufficientScope } from "./management-auth.ts";

/** Scope bodies are a name and a description: a few KB at most. */
const SCOPE_BODY_LIMIT = "16kb";

/** `?dryRun=true|false` (absent: false); anything else is refused rather than guessed. */
function dryRunOf(req: Request): boolean {
  const value = req.query.dryRun;
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw new ManagementRequestError(`the dryRun parameter must be "true" or "false"`);
}

/** A refusal as its HTTP answer; anything else goes on to the app's error handler (503 for the store). */
function answerError(error: unknown, res: Response, next: NextFunction): void {
  if (error instanceof InsufficientPermissionError) {
    insufficientScope(res, error.missing);
    return;
  }
  if (error instanceof SpecBodyError) {
    res.status(error.status).json(error.toJSON());
    return;
  }
  if (error instanceof InputError) {
    res
      .status(422)
      .json({ error: "invalid_spec", error_description: error.message, diagnostics: error.diagnostics });
    return;
  }
  if (error instanceof ManagementConflictError) {
    res.status(409).json({
      error: "conflict",
      error_description: error.message,
      ...(error.holders.length > 0 ? { holders: error.holders } : {}),
    });
    return;
  }
  if (error instanceof ManagementNotFoundError) {
    res.status(404).json({ error: "not_found", error_description: error.message });
    return;
  }
  if (error instanceof ManagementRequestError) {
    res.status(400).json({ error: "invalid_request", error_description: error.message });
    return;
  }
  next(error);
}

type Handler = (req: Request, res: Response) => Promise<void>;
const handled =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch((error: unknown) => {
      // Refused before its body was read (a missing permission, a bad dryRun): do not read 20 MB for it.
      // (readSpecBody does this itself for the bodies it refuses.)
      const unread = !req.complete && !res.headersSent && !(error instanceof SpecBodyError);
      if (unread) closeAfterAnswer(req, res);
      answerError(error, res, next);
    });
  };

function jsonObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ManagementRequestError("the body must be a JSON object (Content-Type: application/json)");
  }
  return body as Record<string, unknown>;
}

export function mountManagementWrites(router: Router, ctx: ServerContext, gate: RequestHandler): void {
  const json = express.json({ limit: SCOPE_BODY_LIMIT, strict: true });
  const { store } = ctx;

  router.put(
    "/apis/:name/openapi",
    gate,
    handled(async (req, res) => {
      const actor = actorOf(res);
      const dryRun = dryRunOf(req);
      // What every upload needs, before 20 MB are read (a replacement needs delete:api_scopes too,
      // decided in the write's transaction).
      requirePermissions(actor, ["create:api_scopes", "update:apis"]);
      const body = await readSpecBody(req, res);
      // On a worker thread: seconds of parsing must not stall the token requests of this process.
      const imported = await importSpecBytesInWorker(body.bytes, { name: body.name, format: body.format });
      res.json(await uploadSpec(store, actor, { api: String(req.params.name), imported, dryRun }));
    }),
  );

  router.delete(
    "/apis/:name/openapi",
    gate,
    handled(async (req, res) => {
      const answer = await deleteImport(store, actorOf(res), {
        api: String(req.params.name),
        dryRun: dryRunOf(req),
      });
      res.json(answer);
    }),
  );

  router.post(
    "/apis/:name/scopes",
    gate,
    json,
    handled(async (req, res) => {
      const request = { api: String(req.params.name), body: jsonObject(req), dryRun: dryRunOf(req) };
      const answer = await createScope(store, actorOf(res), request);
      res.status(answer.dryRun ? 200 : 201).json(answer);
    }),
  );

  router.patch(
    "/apis/:name/scopes/:scope",
    gate,
    json,
    handled(async (req, res) => {
      const request = {
        api: String(req.params.name),
        name: String(req.params.scope),
        body: jsonObject(req),
        dryRun: dryRunOf(req),
      };
      res.json(await updateScope(store, actorOf(res), request));
    }),
  );

  router.delete(
    "/apis/:name/scopes/:scope",
    gate,
    handled(async (req, res) => {
      const request = { api: String(req.params.name), name: String(req.params.scope), dryRun: dryRunOf(req) };
      res.json(await deleteScope(store, actorOf(res), request));
    }),
  );
}
