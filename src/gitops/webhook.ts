/**
 * Git push webhooks from GitHub and GitLab, verified and parsed without any HTTP framework: the route
 * (server/routes/git-hook.ts) hands over the headers and the raw body, and gets back the pushed branch
 * or a WebhookError that says what to answer.
 *
 * - GitHub: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body under the secret,
 *   compared in constant time; the event is `X-GitHub-Event`, the delivery id `X-GitHub-Delivery`
 *   (kept by GitHub's "Redeliver").
 * - GitLab: `X-Gitlab-Token` is the secret itself, compared in constant time through SHA-256 digests
 *   (equal lengths, so the length of the secret does not leak either); the event is `X-Gitlab-Event`,
 *   the delivery id `Idempotency-Key` (kept across GitLab's retries), else `X-Gitlab-Event-UUID`.
 *
 * Authentication comes first: an unsigned or forged request learns nothing else (403). Then the body
 * must be JSON. A verified delivery that is not a branch push is answered without syncing, by a
 * WebhookIgnored: GitHub's `ping` with 200, other events (a GitLab tag push, an issue event, ...), tag
 * pushes and branch deletions with 202. Those are not errors: GitHub marks non-2xx deliveries as
 * failed, and GitLab disables a hook that keeps failing, so a 4xx for an event the hook was merely
 * subscribed to would break the push events too.
 *
 * Error messages name the header that is wrong, never its value: no secret or signature is echoed.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ScopectlError } from "../core/errors.ts";

export interface PushEvent {
  provider: "github" | "gitlab";
  /** The provider's delivery id, the same on a redelivery; undefined when the provider sent none. */
  deliveryId?: string;
  /** `refs/heads/<branch>`. */
  ref: string;
  branch: string;
  /** The commit the branch points at after the push. */
  after?: string;
}

/**
 * A delivery to refuse (code `webhook.refused`): `status` is the HTTP status to answer, `error` the
 * short machine-readable word the answer's `error` carries (`forbidden`, `bad_request`, ...).
 */
export class WebhookError extends ScopectlError {
  static readonly code = "webhook.refused";
  declare readonly code: typeof WebhookError.code;
  status: number;
  error: string;

  constructor(status: number, error: string, message: string) {
    super(WebhookError.code, message);
    this.name = "WebhookError";
    this.status = status;
    this.error = error;
  }
}

/**
 * A verified delivery that asks for no sync: GitHub's `ping` (status 200, code `pong`) or an event that
 * is not a branch push (status 202, code `ignored`). It is not a failure, so not a ScopectlError: a
 * signal thrown past the parsing, answered `{"status": code, "reason": message}` with its `status`.
 */
export class WebhookIgnored extends Error {
  status: 200 | 202;
  code: "pong" | "ignored";
  provider: "github" | "gitlab";
  event: string;
  deliveryId?: string;

  constructor(
    status: 200 | 202,
    code: "pong" | "ignored",
    message: string,
    details: { provider: "github" | "gitlab"; event: string; deliveryId?: string | undefined },
  ) {
    super(message);
    this.name = "WebhookIgnored";
    this.status = status;
    this.code = code;
    this.provider = details.provider;
    this.event = details.event;
    if (details.deliveryId !== undefined) this.deliveryId = details.deliveryId;
  }
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

const BRANCH_PREFIX = "refs/heads/";
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const ZERO_SHA = /^0+$/;

/**
 * 403, not 401: a 401 must carry a WWW-Authenticate challenge (RFC 9110 §15.5.2), and no HTTP
 * authentication scheme covers a signed body or a shared token header.
 */
const forbidden = (message: string) => new WebhookError(403, "forbidden", message);
const badRequest = (message: string) => new WebhookError(400, "bad_request", message);

/** Header lookup by lowercase name; a header sent twice is refused rather than guessed at. */
function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  let found: string | string[] | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) found = value;
  }
  if (Array.isArray(found)) {
    if (found.length > 1) throw badRequest(`the ${name} header is repeated`);
    return found[0];
  }
  return found;
}

function sha256(text: string | Buffer): Buffer {
  return createHash("sha256").update(text).digest();
}

function verifyGitHubSignature(headers: WebhookHeaders, body: Buffer, secret: string): void {
  const header = headerOf(headers, "x-hub-signature-256");
  if (header === undefined) {
    throw forbidden("missing X-Hub-Signature-256: set the webhook's secret on GitHub");
  }
  const given = SIGNATURE.exec(header.trim())?.[1];
  if (given === undefined) throw forbidden("X-Hub-Signature-256 is not of the form sha256=<64 hex digits>");
  const expected = createHmac("sha256", secret).update(body).digest();
  // Both are 32 bytes (the pattern fixes the length), as timingSafeEqual requires.
  if (!timingSafeEqual(expected, Buffer.from(given, "hex"))) {
    throw forbidden("X-Hub-Signature-256 does not match the body: wrong secret, or the body was altered");
  }
}

function verifyGitLabToken(headers: WebhookHeaders, secret: string): void {
  const token = headerOf(headers, "x-gitlab-token");
  if (token === undefined)
    throw forbidden("missing X-Gitlab-Token: set the webhook's secret token on GitLab");
  if (!timingSafeEqual(sha256(token), sha256(secret))) throw forbidden("X-Gitlab-Token is wrong");
}

function checkJson(headers: WebhookHeaders): void {
  const type = headerOf(headers, "content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new WebhookError(
      415,
      "unsupported_media_type",
      `the body must be application/json${type ? `, not ${type}` : ""}: set the webhook's content type to application/json`,
    );
  }
}

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw badRequest("the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("the body is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Checks that a webhook delivery comes from GitHub or GitLab with the shared secret, and returns the
 * branch push it reports. Throws a WebhookError (403 unsigned or forged, 400 malformed, 415 not JSON,
 * 503 no secret) or, for a verified delivery that is not a branch push, a WebhookIgnored.
 */
export function verifyPushEvent(input: { headers: WebhookHeaders; body: Buffer; secret: string }): PushEvent {
  const { headers, body, secret } = input;
  // An empty HMAC key or token would let anyone sign: never accept a delivery without a real secret.
  if (secret === "") {
    throw new WebhookError(503, "not_configured", "the git webhook has no secret configured");
  }
  const github =
    headerOf(headers, "x-github-event") !== undefined ||
    headerOf(headers, "x-hub-signature-256") !== undefined;
  const gitlab =
    headerOf(headers, "x-gitlab-event") !== undefined || headerOf(headers, "x-gitlab-token") !== undefined;
  if (github && gitlab) throw badRequest("the request carries both GitHub and GitLab webhook headers");
  if (!github && !gitlab) {
    throw forbidden(
      "not a signed GitHub or GitLab webhook: expected X-GitHub-Event with X-Hub-Signature-256, or X-Gitlab-Event with X-Gitlab-Token",
    );
  }

  const provider = github ? "github" : "gitlab";
  if (github) verifyGitHubSignature(headers, body, secret);
  else verifyGitLabToken(headers, secret);

  const eventHeader = github ? "X-GitHub-Event" : "X-Gitlab-Event";
  const event = headerOf(headers, eventHeader.toLowerCase());
  if (event === undefined) throw badRequest(`missing ${eventHeader}`);
  const deliveryId = github
    ? headerOf(headers, "x-github-delivery")
    : (headerOf(headers, "idempotency-key") ?? headerOf(headers, "x-gitlab-event-uuid"));
  const ignored = (status: 200 | 202, code: "pong" | "ignored", message: string) =>
    new WebhookIgnored(status, code, message, { provider, event, deliveryId });

  checkJson(headers);
  const payload = parseBody(body);

  if (github && event === "ping") throw ignored(200, "pong", "GitHub ping");
  const isPush = github ? event === "push" : event === "Push Hook";
  if (!isPush) throw ignored(202, "ignored", `${eventHeader} ${event} is not a push`);

  const { ref, after } = payload;
  if (typeof ref !== "string" || ref === "") throw badRequest("the push has no ref");
  if (after !== undefined && typeof after !== "string") throw badRequest("the push's after is not a string");
  if (!ref.startsWith(BRANCH_PREFIX) || ref.length === BRANCH_PREFIX.length) {
    throw ignored(202, "ignored", `${ref} is not a branch`);
  }
  const branch = ref.slice(BRANCH_PREFIX.length);
  if (payload.deleted === true || (after !== undefined && ZERO_SHA.test(after))) {
    throw ignored(202, "ignored", `branch ${branch} was deleted`);
  }
  return {
    provider,
    ...(deliveryId === undefined ? {} : { deliveryId }),
    ref,
    branch,
    ...(after === undefined ? {} : { after }),
  };
}

/**
 * The delivery ids seen lately, to answer a redelivery without syncing twice: the last `capacity` ids,
 * least recently seen forgotten first (a Map keeps insertion order; seeing an id again moves it last).
 */
export class DeliveryLog {
  private readonly ids = new Map<string, true>();
  readonly capacity: number;

  constructor(capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.capacity = capacity;
  }

  /** Records the id; true when it was already recorded (a duplicate delivery). */
  seen(id: string): boolean {
    const before = this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    return before;
  }

  /** Forgets an id, so that a redelivery of a delivery that could not be handled is handled. */
  forget(id: string): void {
    this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
