/**
 * Operating the token service: liveness, readiness, Prometheus metrics, security headers, request ids,
 * logs that never hold a secret, and a graceful shutdown of the real `scopectl serve` on SIGTERM.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { createLogger } from "../../src/server/logger.ts";
import { CLI_ARGV, REPO_ROOT, runCli } from "../support/cli.ts";
import { freePort } from "../support/net.ts";
import { API_HEADER, basic, postForm, type ServedTenant, serveTenant } from "../support/token-server.ts";

const ORDERS = "https://orders.example";

const TENANT = {
  "t.yaml": `${API_HEADER("Api", "orders")}spec:
  audience: ${ORDERS}
  scopes: [{ name: "read:orders" }, { name: "write:orders" }]
---
${API_HEADER("Application", "exporter")}spec:
  type: m2m
  apis:
    orders: { scopes: ["read:orders"] }
---
${API_HEADER("Application", "auditor")}spec:
  type: m2m
  apis:
    orders: { scopes: ["read:orders", "write:orders"] }
`,
};

const secretOf = (tenant: ServedTenant, app: string): string => {
  const secret = tenant.secrets.get(app);
  assert.ok(secret, `no secret for ${app}`);
  return secret;
};

const tokenRequest = (tenant: ServedTenant, app: string, secret = secretOf(tenant, app)) =>
  postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials" },
    { authorization: basic(app, secret) },
  );

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("health, readiness and metrics", () => {
  test("GET /healthz: 200 ok, never cached", async (t) => {
    const tenant = await serveTenant(t, TENANT);
    const res = await fetch(`${tenant.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(await res.json(), { status: "ok" });
  });

  test("GET /readyz: 200 with the revision served, which follows an apply", async (t) => {
    const tenant = await serveTenant(t, TENANT);
    const revision = await tenant.store.revision();
    const res = await fetch(`${tenant.url}/readyz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = (await res.json()) as { status: string; revision: number; loadedAt: string };
    assert.equal(body.status, "ready");
    assert.equal(body.revision, revision);
    assert.ok(revision > 0);
    assert.equal(new Date(body.loadedAt).toISOString(), body.loadedAt);

    const next = await tenant.apply({
      "t.yaml": `${TENANT["t.yaml"]}---\n${API_HEADER("Api", "more")}spec:\n  audience: https://more.example\n`,
    });
    assert.ok(next > revision);
    await tenant.served(next);
    const after = (await (await fetch(`${tenant.url}/readyz`)).json()) as { revision: number };
    assert.equal(after.revision, next);
  });

  test("GET /metrics: Prometheus text counting issued and refused tokens", async (t) => {
    const tenant = await serveTenant(t, TENANT);
    assert.equal((await tokenRequest(tenant, "exporter")).status, 200);
    assert.equal((await tokenRequest(tenant, "auditor")).status, 200);
    assert.equal((await tokenRequest(tenant, "exporter", "wrong")).status, 401);
    const scope = await postForm(
      `${tenant.url}/oauth2/token`,
      { grant_type: "client_credentials", scope: "write:orders" },
      { authorization: basic("exporter", secretOf(tenant, "exporter")) },
    );
    assert.equal(scope.status, 400);
    const grant = await postForm(`${tenant.url}/oauth2/token`, { grant_type: "password" });
    assert.equal(grant.status, 400);

    const res = await fetch(`${tenant.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const lines = text.split("\n");
    const has = (line: string) => assert.ok(lines.includes(line), `metrics lack the line: ${line}`);
    has("# TYPE scopectl_tokens_issued_total counter");
    has('scopectl_tokens_issued_total{grant="client_credentials"} 2');
    has('scopectl_tokens_refused_total{grant="client_credentials",reason="invalid_client"} 1');
    has('scopectl_tokens_refused_total{grant="client_credentials",reason="invalid_scope"} 1');
    has('scopectl_tokens_refused_total{grant="unknown",reason="unsupported_grant_type"} 1');
    has(`scopectl_snapshot_revision ${await tenant.store.revision()}`);
    assert.match(
      text,
      /^scopectl_http_request_duration_seconds_count\{method="POST",route="\/oauth2\/token",status="200"\} 2$/m,
    );
    // Default process metrics carry the prefix too.
    assert.match(text, /^scopectl_process_cpu_user_seconds_total \d/m);
    // Never a client id in a label.
    assert.doesNotMatch(text, /exporter|auditor/);
  });
});

describe("HTTP hygiene", () => {
  test("security headers on every response, and no X-Powered-By", async (t) => {
    const tenant = await serveTenant(t, TENANT);
    const responses = [
      await fetch(`${tenant.url}/healthz`),
      await fetch(`${tenant.url}/.well-known/jwks.json`),
      await fetch(`${tenant.url}/no/such/page`),
      await fetch(`${tenant.url}/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      }),
    ];
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 404, 401],
    );
    for (const res of responses) {
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", res.url);
      assert.equal(res.headers.get("x-frame-options"), "DENY", res.url);
      assert.equal(
        res.headers.get("content-security-policy"),
        "default-src 'none';frame-ancestors 'none'",
        res.url,
      );
      assert.equal(res.headers.get("x-powered-by"), null, res.url);
      await res.arrayBuffer();
    }
  });

  test("X-Request-Id: echoed when valid, generated otherwise", async (t) => {
    const tenant = await serveTenant(t, TENANT);
    const given = await fetch(`${tenant.url}/healthz`, { headers: { "x-request-id": "req-42.abc_DEF" } });
    assert.equal(given.headers.get("x-request-id"), "req-42.abc_DEF");

    const none = await fetch(`${tenant.url}/healthz`);
    assert.match(none.headers.get("x-request-id") ?? "", UUID);
    const another = await fetch(`${tenant.url}/healthz`);
    assert.match(another.headers.get("x-request-id") ?? "", UUID);
    assert.notEqual(another.headers.get("x-request-id"), none.headers.get("x-request-id"));

    // Not a short token: replaced, so a caller cannot inject anything into the logs.
    for (const bad of ["has space", "x".repeat(65), "new\\nline", "a;b", "<script>"]) {
      const res = await fetch(`${tenant.url}/healthz`, { headers: { "x-request-id": bad } });
      assert.match(res.headers.get("x-request-id") ?? "", UUID, bad);
    }
    const longest = "y".repeat(64);
    const ok = await fetch(`${tenant.url}/healthz`, { headers: { "x-request-id": longest } });
    assert.equal(ok.headers.get("x-request-id"), longest);

    // Errors carry it as well.
    const error = await postForm(
      `${tenant.url}/oauth2/token`,
      { grant_type: "password" },
      { "x-request-id": "err-1" },
    );
    assert.equal(error.status, 400);
    assert.equal(error.headers.get("x-request-id"), "err-1");
  });
});

/** The service's own logger (createLogger), writing its lines to memory. */
function memoryLogger() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: createLogger("info", stream), text: () => chunks.join("") };
}

describe("logs", () => {
  test("request lines carry the request id and client id, never a secret or a token", async (t) => {
    const { logger, text } = memoryLogger();
    const tenant = await serveTenant(t, TENANT, { logger });
    const secret = secretOf(tenant, "exporter");
    const url = `${tenant.url}/oauth2/token`;
    const wrongSecret = "wrong-secret-b1f0c9e2d7";
    const bodyWrong = "body-wrong-secret-6a3e91";

    const okBasic = await postForm(
      url,
      { grant_type: "client_credentials" },
      { authorization: basic("exporter", secret), "x-request-id": "log-ok-basic" },
    );
    assert.equal(okBasic.status, 200);
    const okPost = await postForm(
      url,
      { grant_type: "client_credentials", client_id: "auditor", client_secret: secretOf(tenant, "auditor") },
      { "x-request-id": "log-ok-post" },
    );
    assert.equal(okPost.status, 200);
    const badBasic = await postForm(
      url,
      { grant_type: "client_credentials" },
      { authorization: basic("exporter", wrongSecret), "x-request-id": "log-bad-basic" },
    );
    assert.equal(badBasic.status, 401);
    const badPost = await postForm(
      url,
      { grant_type: "client_credentials", client_id: "exporter", client_secret: bodyWrong },
      { "x-request-id": "log-bad-post" },
    );
    assert.equal(badPost.status, 400);
    // Secrets in the query string: the logged path drops it.
    const query = await postForm(
      `${url}?client_secret=${secret}&token=${String(okBasic.body.access_token)}`,
      { grant_type: "client_credentials" },
      { authorization: basic("exporter", secret), "x-request-id": "log-query" },
    );
    assert.equal(query.status, 200);
    const introspected = await postForm(
      `${tenant.url}/oauth2/introspect`,
      { token: String(okPost.body.access_token) },
      { authorization: basic("exporter", secret), "x-request-id": "log-introspect" },
    );
    assert.equal(introspected.status, 200);

    const ids = [
      "log-ok-basic",
      "log-ok-post",
      "log-bad-basic",
      "log-bad-post",
      "log-query",
      "log-introspect",
    ];
    // A request's line is written when its response finishes: wait for the last of them.
    const until = Date.now() + 5000;
    while (!ids.every((id) => text().includes(`"reqId":"${id}"`))) {
      if (Date.now() > until) assert.fail(`missing request lines in the log:\n${text()}`);
      await new Promise((r) => setTimeout(r, 10));
    }

    const log = text();
    const forbidden = [
      secret,
      secretOf(tenant, "auditor"),
      wrongSecret,
      bodyWrong,
      String(okBasic.body.access_token),
      String(okPost.body.access_token),
      String(query.body.access_token),
      // The Basic credentials as sent, and their signature part of a token.
      basic("exporter", secret).slice("Basic ".length),
      basic("exporter", wrongSecret).slice("Basic ".length),
      String(okBasic.body.access_token).split(".")[2] ?? "",
    ];
    for (const value of forbidden) {
      assert.ok(value.length >= 16, "a meaningful value to look for");
      assert.equal(log.includes(value), false, `the log holds a secret or token: ${value.slice(0, 12)}…`);
    }

    const lines = log
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byId = (id: string) => {
      const line = lines.find((l) => l.reqId === id);
      assert.ok(line, `no request line for ${id}`);
      return line;
    };
    const okLine = byId("log-ok-basic");
    assert.equal(okLine.service, "scopectl");
    assert.equal(okLine.level, 30);
    assert.equal(okLine.msg, "request completed");
    assert.equal(okLine.method, "POST");
    assert.equal(okLine.path, "/oauth2/token");
    assert.equal(okLine.status, 200);
    assert.equal(okLine.clientId, "exporter");
    assert.equal(typeof okLine.ms, "number");
    // Only what the request line is meant to hold: no headers, no body, no query.
    assert.deepEqual(Object.keys(okLine).sort(), [
      "clientId",
      "level",
      "method",
      "ms",
      "msg",
      "path",
      "remoteAddress",
      "reqId",
      "service",
      "status",
      "time",
    ]);
    assert.equal(byId("log-ok-post").clientId, "auditor");
    assert.equal(byId("log-bad-basic").status, 401);
    assert.equal(byId("log-bad-basic").clientId, undefined);
    assert.equal(byId("log-bad-post").status, 400);
    assert.equal(byId("log-query").path, "/oauth2/token");
    assert.equal(byId("log-introspect").path, "/oauth2/introspect");
    assert.equal(byId("log-introspect").clientId, "exporter");
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("graceful shutdown of scopectl serve", () => {
  test("SIGTERM: an in-flight request completes with 200, new connections are refused, exit code 0", async (t) => {
    const root = await mkdtemp(path.join(os.tmpdir(), "scopectl-shutdown-"));
    t.after(() => rm(root, { recursive: true, force: true }));
    const dir = path.join(root, "config");
    await mkdir(dir);
    for (const [name, content] of Object.entries(TENANT)) await writeFile(path.join(dir, name), content);
    const storeFile = path.join(root, "store.db");
    const secretsFile = path.join(root, "secrets.json");

    const applied = runCli(["apply", dir, "--yes", "--store", storeFile, "--secrets-out", secretsFile]);
    assert.equal(applied.status, 0, applied.stderr);
    const secrets = JSON.parse(await readFile(secretsFile, "utf8")) as { id: string; value: string }[];
    const secret = secrets.find((s) => s.id === "exporter")?.value;
    assert.ok(secret, "apply wrote the exporter's secret");

    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const child: ChildProcess = spawn(
      process.execPath,
      [...CLI_ARGV, "serve", "--port", String(port), "--issuer", issuer, "--store", storeFile],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: "1", SCOPECTL_LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });

    await waitFor("the server to listen", () => stderr.includes(`listening on ${issuer}`));
    const ready = await fetch(`${issuer}/readyz`);
    assert.equal(ready.status, 200, `${stderr}\n${stdout}`);
    await ready.arrayBuffer();

    // A token request whose body is only half sent.
    const body = "grant_type=client_credentials&audience=https%3A%2F%2Forders.example";
    const half = Math.floor(body.length / 2);
    const request = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/oauth2/token",
      agent: false,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(Buffer.byteLength(body)),
        authorization: basic("exporter", secret),
        connection: "keep-alive",
        "x-request-id": "in-flight",
      },
    });
    const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>(
      (resolve, reject) => {
        request.once("response", (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          res.once("error", reject);
        });
        request.once("error", reject);
      },
    );
    let answered = false;
    void response.then(
      () => {
        answered = true;
      },
      () => {},
    );
    request.write(body.slice(0, half));
    // Let the server read the headers: the connection is now busy, not idle.
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    child.kill("SIGTERM");
    await waitFor("the shutdown note", () => stderr.includes("SIGTERM: finishing in-flight requests"));
    await waitFor("new connections to be refused", async () => !(await connects(port)), 5000);
    assert.equal(answered, false, "the in-flight request is still waiting for its body");
    assert.equal(child.exitCode, null, "the process waits for the in-flight request");

    request.end(body.slice(half));
    const res = await response;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers["x-request-id"], "in-flight");
    const token = JSON.parse(res.text) as { access_token?: string; token_type?: string };
    assert.equal(token.token_type, "Bearer");
    assert.equal(typeof token.access_token, "string");

    const [code, signal] = await exited;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    // The process does not sit out the 10 s grace period (counted from SIGTERM) once the request is done.
    const exitedAfter = Date.now() - signalledAt;
    assert.ok(exitedAfter < 9000, `exited ${exitedAfter} ms after SIGTERM: it waited for the grace period`);
    assert.equal(await connects(port), false);
    assert.ok(stdout.includes('"reqId":"in-flight"'), "the in-flight request was logged");
    assert.equal(stdout.includes(secret), false);
  });
});
