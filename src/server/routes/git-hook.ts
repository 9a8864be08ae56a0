/**
 * `POST /hooks/git`: GitHub and GitLab push webhooks that wake the GitOps sync loop. The handler reads
 * the raw body itself (the signature is over the exact bytes, so no body parser may run before it), at
 * most 1 MiB, and verifies it (gitops/webhook.ts). It never syncs by itself: a push to the tracked branch
 * calls `trigger()`, and the sync loop fetches and applies what the branch holds then, so a forged or
 * replayed push could at most make it look early. Still, nothing unsigned is accepted: without a secret
 * the endpoint answers 503.
 *
 * Answers (JSON): 202 `accepted` (trigger called once), 202 `ignored` (another branch, a tag, a deletion,
 * another event), 200 `pong` (GitHub's ping), 200 `duplicate` (a delivery id seen before: no trigger),
 * 403 (unsigned, forged, wrong secret), 400 (malformed), 413 (over 1 MiB), 415 (not JSON), 503 (no
 * secret configured). Log lines carry the provider, delivery id, branch and reason, never a header value.
 *
 * Mount it with `app.post("/hooks/git", gitHookHandler({...}))`.
 */
import { finished } from "node:stream/promises";
import type { Request, Response } from "express";
import getRawBody from "raw-body";
import { DeliveryLog, verifyPushEvent, WebhookError, WebhookIgnored } from "../../gitops/webhook.ts";
import { header } from "../http/types.ts";
import type { Logger } from "../logger.ts";

/**
 * A push payload is a few KiB, a few hundred for a big push; the limit bounds what one request can make the
 * server hold in memory. A larger delivery is refused with 413.
 */
export const GIT_HOOK_BODY_LIMIT = 1024 * 1024;

export interface GitHookOptions {
  /** The shared secret (SCOPECTL_WEBHOOK_SECRET); undefined or empty: the webhook is refused (503). */
  secret: string | undefined;
  /** The branch the sync loop follows, `main` or `refs/heads/main`. */
  branch: string;
  /** Wakes the sync loop; called once per accepted push. */
  trigger: () => void;
  logger: Logger;
  /** Delivery ids seen lately; a new log of 1000 ids by default. */
  deliveries?: DeliveryLog;
}

function sendError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

/** Reads the rest of a body that will not be used, so the client can read the answer (as body-parser does). */
async function drain(req: Request): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await finished(req).catch(() => undefined);
}

export function gitHookHandler(options: GitHookOptions) {
  const { secret, trigger, logger } = options;
  const branch = options.branch.replace(/^refs\/heads\//, "");
  const deliveries = options.deliveries ?? new DeliveryLog();

  return async (req: Request, res: Response): Promise<void> => {
    res.set("Cache-Control", "no-store");
    const log = logger.child({ reqId: res.locals.requestId, hook: "git" });

    if (secret === undefined || secret === "") {
      await drain(req);
      log.warn("git webhook refused: no secret is configured (SCOPECTL_WEBHOOK_SECRET)");
      sendError(res, 503, "not_configured", "the git webhook is not configured on this server");
      return;
    }

    const encoding = header(req, "content-encoding");
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      await drain(req);
      sendError(res, 415, "unsupported_media_type", "the body must not be compressed");
      return;
    }

    let body: Buffer;
    try {
      body = await getRawBody(req, { limit: GIT_HOOK_BODY_LIMIT, length: header(req, "content-length") });
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === "request.aborted") return;
      await drain(req);
      if (type === "entity.too.large") {
        log.warn("git webhook refused: body over 1 MiB");
        sendError(res, 413, "payload_too_large", "the webhook body is larger than 1 MiB");
      } else {
        sendError(res, 400, "bad_request", "the webhook body could not be read");
      }
      return;
    }

    let event: ReturnType<typeof verifyPushEvent>;
    try {
      event = verifyPushEvent({ headers: req.headers, body, secret });
    } catch (error) {
      if (error instanceof WebhookIgnored) {
        const { provider, event: name, deliveryId } = error;
        log.info({ provider, event: name, deliveryId, reason: error.message }, "git webhook: no sync");
        res.status(error.status).json({ status: error.code, reason: error.message });
        return;
      }
      if (error instanceof WebhookError) {
        log.warn({ status: error.status, reason: error.message }, "git webhook refused");
        sendError(res, error.status, error.error, error.message);
        return;
      }
      throw error;
    }

    const { provider, deliveryId, after } = event;
    const key = deliveryId === undefined ? undefined : `${provider}:${deliveryId}`;
    if (key !== undefined && deliveries.seen(key)) {
      log.info({ provider, deliveryId }, "git webhook: duplicate delivery, no sync");
      res.status(200).json({ status: "duplicate", deliveryId });
      return;
    }
    if (event.branch !== branch) {
      log.info(
        { provider, deliveryId, branch: event.branch },
        "git webhook: push to another branch, no sync",
      );
      res.status(202).json({
        status: "ignored",
        reason: `push to ${event.branch}, not to the tracked branch ${branch}`,
        branch: event.branch,
      });
      return;
    }
    try {
      trigger();
    } catch (error) {
      // Not handled: let a redelivery try again.
      if (key !== undefined) deliveries.forget(key);
      throw error;
    }
    log.info({ provider, deliveryId, branch, after }, "git webhook: push accepted, sync triggered");
    res.status(202).json({ status: "accepted", branch, ...(after === undefined ? {} : { after }) });
  };
}
