/**
 * The git webhook: verifyPushEvent for GitHub (HMAC of the body) and GitLab (secret token), the
 * DeliveryLog, and POST /hooks/git over real HTTP in a tiny Express app with a trigger counter.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { describe, type TestContext, test } from "node:test";
import express from "express";
import {
  DeliveryLog,
  type PushEvent,
  verifyPushEvent,
  WebhookError,
  type WebhookHeaders,
  WebhookIgnored,
} from "../../src/gitops/webhook.ts";
import { createLogger } from "../../src/server/logger.ts";
import { GIT_HOOK_BODY_LIMIT, gitHookHandler } from "../../src/server/routes/git-hook.ts";

const SECRET = "s3cret-webhook-key-for-tests";
const AFTER = "9f3c2a1b0e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b";

const pushBody = (ref = "refs/heads/main", extra: Record<string, unknown> = {}): Buffer =>
  Buffer.from(JSON.stringify({ ref, before: "1".repeat(40), after: AFTER, ...extra }));

const sign = (body: Buffer, secret = SECRET): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

interface GitHubOptions {
  event?: string;
  secret?: string;
  delivery?: string;
  contentType?: string;
}

function githubHeaders(body: Buffer, options: GitHubOptions = {}): Record<string, string> {
  return {
    "Content-Type": options.contentType ?? "application/json",
    "X-GitHub-Event": options.event ?? "push",
    "X-GitHub-Delivery": options.delivery ?? randomUUID(),
    "X-Hub-Signature-256": sign(body, options.secret ?? SECRET),
  };
}

interface GitLabOptions {
  event?: string;
  token?: string;
  idempotencyKey?: string | undefined;
  uuid?: string;
  contentType?: string;
}

function gitlabHeaders(options: GitLabOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? "application/json",
    "X-Gitlab-Event": options.event ?? "Push Hook",
    "X-Gitlab-Token": options.token ?? SECRET,
    "X-Gitlab-Event-UUID": options.uuid ?? randomUUID(),
  };
  if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
  return headers;
}

const verify = (headers: WebhookHeaders, body: Buffer, secret = SECRET): PushEvent =>
  verifyPushEvent({ headers, body, secret });

/** Asserts that `fn` throws a WebhookError (not a WebhookIgnored) of this status, and returns it. */
function refused(fn: () => unknown, status: number, message?: RegExp): WebhookError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WebhookError, `expected a WebhookError, got ${String(caught)}`);
  assert.ok(!(caught instanceof WebhookIgnored), `expected a refusal, got ignored: ${caught.message}`);
  assert.equal(caught.status, status, caught.message);
  if (message) assert.match(caught.message, message);
  assert.ok(!caught.message.includes(SECRET), "the message echoes the secret");
  assert.doesNotMatch(caught.message, /[0-9a-f]{64}/, "the message echoes a signature");
  return caught;
}

function ignored(fn: () => unknown, status: 200 | 202, code: "pong" | "ignored"): WebhookIgnored {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WebhookIgnored, `expected a WebhookIgnored, got ${String(caught)}`);
  assert.equal(caught.status, status);
  assert.equal(caught.code, code);
  return caught;
}

describe("verifyPushEvent: GitHub", () => {
  test("a signed push: provider, delivery id, ref, branch and after", () => {
    const body = pushBody();
    const headers = githubHeaders(body, { delivery: "d-1" });
    assert.deepEqual(verify(headers, body), {
      provider: "github",
      deliveryId: "d-1",
      ref: "refs/heads/main",
      branch: "main",
      after: AFTER,
    });
  });

  test("header names are matched whatever their case (Node gives them lowercase)", () => {
    const body = pushBody("refs/heads/release/1.2");
    const lower = Object.fromEntries(
      Object.entries(githubHeaders(body)).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const event = verify(lower, body);
    assert.equal(event.branch, "release/1.2");
    assert.equal(event.ref, "refs/heads/release/1.2");
  });

  test("a forged signature is refused with 403", () => {
    const body = pushBody();
    const headers = { ...githubHeaders(body), "X-Hub-Signature-256": `sha256=${"ab".repeat(32)}` };
    refused(() => verify(headers, body), 403, /does not match/);
  });

  test("a missing signature is refused with 403 that names the header", () => {
    const body = pushBody();
    const { "X-Hub-Signature-256": _, ...headers } = githubHeaders(body);
    refused(() => verify(headers, body), 403, /missing X-Hub-Signature-256/);
  });

  test("a signature that is not sha256=<hex> is refused with 403", () => {
    const body = pushBody();
    const sha1 = `sha1=${createHmac("sha1", SECRET).update(body).digest("hex")}`;
    refused(() => verify({ ...githubHeaders(body), "X-Hub-Signature-256": sha1 }, body), 403);
    refused(() => verify({ ...githubHeaders(body), "X-Hub-Signature-256": "sha256=abc" }, body), 403);
  });

  test("a signature made with another secret is refused with 403", () => {
    const body = pushBody();
    refused(() => verify(githubHeaders(body, { secret: "another-secret" }), body), 403);
  });

  test("a body altered after signing is refused with 403", () => {
    const body = pushBody("refs/heads/feature");
    const headers = githubHeaders(body);
    const tampered = Buffer.from(body.toString("utf8").replace("refs/heads/feature", "refs/heads/main"));
    assert.equal(verify(headers, body).branch, "feature");
    refused(() => verify(headers, tampered), 403, /altered/);
  });

  test("an empty secret never verifies, even a signature made with the empty key", () => {
    const body = pushBody();
    refused(() => verify(githubHeaders(body, { secret: "" }), body, ""), 503);
  });

  test("a signed body that is not application/json is refused with 415", () => {
    const body = Buffer.from(`payload=${encodeURIComponent(pushBody().toString("utf8"))}`);
    const headers = githubHeaders(body, { contentType: "application/x-www-form-urlencoded" });
    refused(() => verify(headers, body), 415, /application\/json/);
  });

  test("the content type may carry a charset", () => {
    const body = pushBody();
    const headers = githubHeaders(body, { contentType: "application/json; charset=utf-8" });
    assert.equal(verify(headers, body).branch, "main");
  });

  test("the content type is checked only after the signature", () => {
    const body = Buffer.from("not json");
    const headers = {
      ...githubHeaders(body, { contentType: "text/plain" }),
      "X-Hub-Signature-256": sign(pushBody()),
    };
    refused(() => verify(headers, body), 403);
  });

  test("ping is answered 200 pong, not a push", () => {
    const body = Buffer.from(JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 }));
    const result = ignored(
      () => verify(githubHeaders(body, { event: "ping", delivery: "p-1" }), body),
      200,
      "pong",
    );
    assert.equal(result.provider, "github");
    assert.equal(result.deliveryId, "p-1");
  });

  test("a forged ping is refused like any other delivery", () => {
    const body = Buffer.from("{}");
    refused(() => verify(githubHeaders(body, { event: "ping", secret: "nope" }), body), 403);
  });

  test("another event is ignored with 202", () => {
    const body = Buffer.from(JSON.stringify({ action: "opened" }));
    const result = ignored(() => verify(githubHeaders(body, { event: "issues" }), body), 202, "ignored");
    assert.equal(result.event, "issues");
    assert.match(result.message, /issues is not a push/);
  });

  test("a tag push and a branch deletion are ignored with 202", () => {
    const tag = pushBody("refs/tags/v1.0.0");
    ignored(() => verify(githubHeaders(tag), tag), 202, "ignored");
    const deletion = pushBody("refs/heads/main", { after: "0".repeat(40), deleted: true });
    ignored(() => verify(githubHeaders(deletion), deletion), 202, "ignored");
  });

  test("a signed push whose body is not JSON, or has no ref, is refused with 400", () => {
    const text = Buffer.from("{not json");
    refused(() => verify(githubHeaders(text), text), 400, /not valid JSON/);
    const array = Buffer.from("[]");
    refused(() => verify(githubHeaders(array), array), 400, /not a JSON object/);
    const noRef = Buffer.from(JSON.stringify({ after: AFTER }));
    refused(() => verify(githubHeaders(noRef), noRef), 400, /no ref/);
  });

  test("a request with no webhook headers at all is refused with 403", () => {
    const body = pushBody();
    refused(() => verify({ "content-type": "application/json" }, body), 403, /not a signed/);
  });

  test("a signature without X-GitHub-Event is refused with 400", () => {
    const body = pushBody();
    const { "X-GitHub-Event": _, ...headers } = githubHeaders(body);
    refused(() => verify(headers, body), 400, /missing X-GitHub-Event/);
  });
});

describe("verifyPushEvent: GitLab", () => {
  test("a push with the right token: the delivery id is Idempotency-Key, else X-Gitlab-Event-UUID", () => {
    const body = pushBody();
    assert.deepEqual(verify(gitlabHeaders({ idempotencyKey: "k-1", uuid: "u-1" }), body), {
      provider: "gitlab",
      deliveryId: "k-1",
      ref: "refs/heads/main",
      branch: "main",
      after: AFTER,
    });
    assert.equal(verify(gitlabHeaders({ uuid: "u-2" }), body).deliveryId, "u-2");
  });

  test("a wrong token is refused with 403, also one that is a prefix of the secret", () => {
    const body = pushBody();
    refused(() => verify(gitlabHeaders({ token: "forged" }), body), 403, /X-Gitlab-Token is wrong/);
    refused(() => verify(gitlabHeaders({ token: SECRET.slice(0, -1) }), body), 403);
    refused(() => verify(gitlabHeaders({ token: `${SECRET} ` }), body), 403);
  });

  test("the right token checked against another configured secret is refused with 403", () => {
    const body = pushBody();
    refused(() => verify(gitlabHeaders(), body, "the-server-secret"), 403);
  });

  test("a missing token is refused with 403 that names the header", () => {
    const body = pushBody();
    const { "X-Gitlab-Token": _, ...headers } = gitlabHeaders();
    refused(() => verify(headers, body), 403, /missing X-Gitlab-Token/);
  });

  test("the token authenticates the sender, not the body: an altered body still verifies", () => {
    // GitLab's secret token is not a signature (rely on TLS). The sync loop fetches the branch from git
    // and never trusts the payload, so the most a changed body can do is wake it.
    const body = pushBody("refs/heads/feature");
    const tampered = Buffer.from(body.toString("utf8").replace("feature", "other"));
    assert.equal(verify(gitlabHeaders(), tampered).branch, "other");
  });

  test("a body that is not application/json is refused with 415", () => {
    refused(() => verify(gitlabHeaders({ contentType: "text/plain" }), pushBody()), 415);
    const { "Content-Type": _, ...headers } = gitlabHeaders();
    refused(() => verify(headers, pushBody()), 415);
  });

  test("a tag push and other events are ignored with 202", () => {
    const tag = pushBody("refs/tags/v1");
    const result = ignored(() => verify(gitlabHeaders({ event: "Tag Push Hook" }), tag), 202, "ignored");
    assert.equal(result.provider, "gitlab");
    assert.equal(result.event, "Tag Push Hook");
    ignored(() => verify(gitlabHeaders({ event: "Merge Request Hook" }), Buffer.from("{}")), 202, "ignored");
  });

  test("both GitHub and GitLab headers at once are refused with 400", () => {
    const body = pushBody();
    refused(() => verify({ ...githubHeaders(body), ...gitlabHeaders() }, body), 400, /both/);
  });
});

describe("DeliveryLog", () => {
  test("seen() records an id and says whether it was recorded before", () => {
    const log = new DeliveryLog();
    assert.equal(log.seen("a"), false);
    assert.equal(log.seen("a"), true);
    assert.equal(log.seen("b"), false);
    assert.equal(log.size, 2);
  });

  test("keeps the last N ids: the least recently seen is forgotten first", () => {
    const log = new DeliveryLog(2);
    log.seen("a");
    log.seen("b");
    assert.equal(log.seen("a"), true, "a is remembered, and now the most recent");
    log.seen("c");
    assert.equal(log.size, 2);
    assert.equal(log.seen("a"), true, "a was seen more recently than b");
    assert.equal(log.seen("b"), false, "b was evicted");
  });

  test("1000 ids by default", () => {
    const log = new DeliveryLog();
    for (let i = 0; i < 1001; i++) log.seen(`id-${i}`);
    assert.equal(log.size, 1000);
    assert.equal(log.seen("id-1000"), true);
    assert.equal(log.seen("id-0"), false);
  });

  test("forget() lets an id be handled again; a capacity below 1 is refused", () => {
    const log = new DeliveryLog();
    log.seen("a");
    log.forget("a");
    assert.equal(log.seen("a"), false);
    assert.throws(() => new DeliveryLog(0), RangeError);
  });
});

interface Hook {
  url: string;
  triggers: () => number;
  logs: () => string;
}

async function serveHook(
  t: TestContext,
  options: { secret?: string | undefined; branch?: string; trigger?: () => void } = {},
): Promise<Hook> {
  let count = 0;
  let logText = "";
  const logger = createLogger(
    "info",
    new Writable({
      write(chunk, _encoding, callback) {
        logText += String(chunk);
        callback();
      },
    }),
  );
  const app = express();
  app.post(
    "/hooks/git",
    gitHookHandler({
      secret: "secret" in options ? options.secret : SECRET,
      branch: options.branch ?? "main",
      trigger:
        options.trigger ??
        (() => {
          count++;
        }),
      logger,
      deliveries: new DeliveryLog(),
    }),
  );
  // As app.ts's last handler: an error is a JSON 500 (and no stack on the test's output).
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: "server_error" });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/git`, triggers: () => count, logs: () => logText };
}

const post = (hook: Hook, body: Buffer | ReadableStream<Uint8Array>, headers: Record<string, string>) =>
  fetch(hook.url, {
    method: "POST",
    headers,
    body,
    ...(body instanceof Buffer ? {} : { duplex: "half" }),
  } as RequestInit);

async function answer(res: Response): Promise<Record<string, unknown>> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return (await res.json()) as Record<string, unknown>;
}

/** A signed push body of exactly `size` bytes. */
function paddedPush(size: number): Buffer {
  const empty = pushBody("refs/heads/main", { pad: "" });
  return pushBody("refs/heads/main", { pad: "x".repeat(size - empty.length) });
}

describe("POST /hooks/git", () => {
  test("a signed push to the tracked branch: 202 accepted, trigger called once", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const res = await post(hook, body, githubHeaders(body));
    assert.equal(res.status, 202);
    assert.deepEqual(await answer(res), { status: "accepted", branch: "main", after: AFTER });
    assert.equal(hook.triggers(), 1);
  });

  test("the same delivery again: 200 duplicate, no second trigger; a new delivery triggers", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const headers = githubHeaders(body, { delivery: "same-delivery" });
    assert.equal((await post(hook, body, headers)).status, 202);
    const again = await post(hook, body, headers);
    assert.equal(again.status, 200);
    assert.deepEqual(await answer(again), { status: "duplicate", deliveryId: "same-delivery" });
    assert.equal(hook.triggers(), 1);
    assert.equal((await post(hook, body, githubHeaders(body))).status, 202);
    assert.equal(hook.triggers(), 2);
  });

  test("a GitLab push with the right token: 202 accepted; its retry (same Idempotency-Key) is a duplicate", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const first = await post(hook, body, gitlabHeaders({ idempotencyKey: "k-1", uuid: "u-1" }));
    assert.equal(first.status, 202);
    assert.equal((await answer(first)).status, "accepted");
    const retry = await post(hook, body, gitlabHeaders({ idempotencyKey: "k-1", uuid: "u-2" }));
    assert.equal((await answer(retry)).status, "duplicate");
    assert.equal(hook.triggers(), 1);
  });

  test("a forged signature: 403 with a JSON error, no trigger, and the delivery id is not used up", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const forged = { ...githubHeaders(body, { secret: "guess", delivery: "d-forged" }) };
    const res = await post(hook, body, forged);
    assert.equal(res.status, 403);
    const json = await answer(res);
    assert.equal(json.error, "forbidden");
    assert.match(String(json.error_description), /X-Hub-Signature-256/);
    assert.ok(!JSON.stringify(json).includes(SECRET));
    assert.equal(hook.triggers(), 0);
    const genuine = await post(hook, body, githubHeaders(body, { delivery: "d-forged" }));
    assert.equal(genuine.status, 202);
    assert.equal(hook.triggers(), 1);
  });

  test("a GitLab push with a wrong token: 403, no trigger", async (t) => {
    const hook = await serveHook(t);
    const res = await post(hook, pushBody(), gitlabHeaders({ token: "wrong" }));
    assert.equal(res.status, 403);
    assert.equal((await answer(res)).error, "forbidden");
    assert.equal(hook.triggers(), 0);
  });

  test("a push to another branch: 202 ignored, no trigger", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody("refs/heads/feature/x");
    const res = await post(hook, body, githubHeaders(body));
    assert.equal(res.status, 202);
    const json = await answer(res);
    assert.equal(json.status, "ignored");
    assert.equal(json.branch, "feature/x");
    assert.match(String(json.reason), /not to the tracked branch main/);
    assert.equal(hook.triggers(), 0);
  });

  test("the tracked branch may be given as refs/heads/<branch>", async (t) => {
    const hook = await serveHook(t, { branch: "refs/heads/release" });
    const body = pushBody("refs/heads/release");
    assert.equal((await answer(await post(hook, body, githubHeaders(body)))).status, "accepted");
    assert.equal(hook.triggers(), 1);
  });

  test("ping: 200 pong, no trigger; another event: 202 ignored, no trigger", async (t) => {
    const hook = await serveHook(t);
    const ping = Buffer.from(JSON.stringify({ zen: "Design for failure." }));
    const pong = await post(hook, ping, githubHeaders(ping, { event: "ping" }));
    assert.equal(pong.status, 200);
    assert.equal((await answer(pong)).status, "pong");
    const issue = Buffer.from(JSON.stringify({ action: "opened" }));
    const other = await post(hook, issue, githubHeaders(issue, { event: "issues" }));
    assert.equal(other.status, 202);
    assert.equal((await answer(other)).status, "ignored");
    assert.equal(hook.triggers(), 0);
  });

  test("a body of exactly 1 MiB is read; one byte more is 413 with a JSON error, no trigger", async (t) => {
    const hook = await serveHook(t);
    const fits = paddedPush(GIT_HOOK_BODY_LIMIT);
    assert.equal(fits.length, 1024 * 1024);
    assert.equal((await post(hook, fits, githubHeaders(fits))).status, 202);
    assert.equal(hook.triggers(), 1);

    const big = paddedPush(GIT_HOOK_BODY_LIMIT + 1);
    const res = await post(hook, big, githubHeaders(big));
    assert.equal(res.status, 413);
    const json = await answer(res);
    assert.equal(json.error, "payload_too_large");
    assert.match(String(json.error_description), /1 MiB/);
    assert.equal(hook.triggers(), 1);
  });

  test("a streamed body (no Content-Length) over 1 MiB is 413 too", async (t) => {
    const hook = await serveHook(t);
    const big = paddedPush(GIT_HOOK_BODY_LIMIT + 64 * 1024);
    const chunk = 64 * 1024;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= big.length) {
          controller.close();
          return;
        }
        controller.enqueue(big.subarray(offset, offset + chunk));
        offset += chunk;
      },
    });
    const res = await post(hook, stream, githubHeaders(big));
    assert.equal(res.status, 413);
    assert.equal((await answer(res)).error, "payload_too_large");
    assert.equal(hook.triggers(), 0);
  });

  test("no secret configured: 503, even for a request signed with the empty key", async (t) => {
    for (const secret of [undefined, ""]) {
      const hook = await serveHook(t, { secret });
      const body = pushBody();
      const res = await post(hook, body, githubHeaders(body, { secret: "" }));
      assert.equal(res.status, 503, `secret ${JSON.stringify(secret)}`);
      const json = await answer(res);
      assert.equal(json.error, "not_configured");
      assert.match(String(json.error_description), /not configured/);
      const gitlab = await post(hook, body, gitlabHeaders({ token: "" }));
      assert.equal(gitlab.status, 503);
      assert.equal(hook.triggers(), 0);
    }
  });

  test("a compressed body is refused with 415", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const res = await post(hook, body, { ...githubHeaders(body), "Content-Encoding": "gzip" });
    assert.equal(res.status, 415);
    assert.equal(hook.triggers(), 0);
  });

  test("a trigger that throws: the delivery is not remembered, so a redelivery triggers", async (t) => {
    let calls = 0;
    const hook = await serveHook(t, {
      trigger: () => {
        calls++;
        if (calls === 1) throw new Error("sync loop not ready");
      },
    });
    const body = pushBody();
    const headers = githubHeaders(body, { delivery: "retry-me" });
    assert.equal((await post(hook, body, headers)).status, 500);
    assert.equal((await post(hook, body, headers)).status, 202);
    assert.equal(calls, 2);
  });

  test("the log says what happened and never holds the secret or a signature", async (t) => {
    const hook = await serveHook(t);
    const body = pushBody();
    const headers = githubHeaders(body);
    await post(hook, body, headers);
    await post(hook, body, githubHeaders(body, { secret: "wrong" }));
    await post(hook, pushBody(), gitlabHeaders());
    await post(hook, pushBody(), gitlabHeaders({ token: "wrong-token" }));
    const logs = hook.logs();
    assert.match(logs, /push accepted, sync triggered/);
    assert.match(logs, /git webhook refused/);
    assert.ok(!logs.includes(SECRET), "the log holds the secret");
    assert.ok(!logs.includes("wrong-token"), "the log holds a token");
    assert.ok(!logs.includes(String(headers["X-Hub-Signature-256"]).slice(7)), "the log holds a signature");
    assert.doesNotMatch(logs, /sha256=/);
  });
});
