/**
 * `scopectl up` as the README runs it: on a copy of the default tenant in a fresh git repository, it
 * applies config/, prints the client ids and one-time secrets, serves tokens, applies a manifest edit
 * while serving, and stops cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { CLI_ARGV } from "../support/cli.ts";
import { gitTenant } from "../support/git-tenant.ts";
import { freePort } from "../support/net.ts";
import { basic, postForm } from "../support/token-server.ts";

/** Collects a child's stdout and resolves when `pattern` matches it. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output:\n${text}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
  });
}

test("scopectl up applies config/, prints the secrets, serves tokens and follows edits", async (t) => {
  const tenant = await gitTenant(t);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [...CLI_ARGV, "up", "config", "--store", tenant.store, "--port", String(port), "--issuer", issuer],
    {
      cwd: tenant.repo,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", SCOPECTL_LOG_LEVEL: "warn" },
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  const secretLine = waitForOutput(
    child,
    /^\s+order-exporter\s+order-exporter\s+m2m\s+(scs_[A-Za-z0-9_-]+)$/m,
  );
  await waitForOutput(child, /^Serving tokens at /m);
  const secret = (await secretLine)[1] ?? "";
  assert.match(stderr, /applied config \(the store is at revision 1\): Plan: 46 to create/);

  const request = () =>
    postForm(
      `${issuer}/oauth2/token`,
      { grant_type: "client_credentials", audience: "https://api.example.com/orders" },
      { authorization: basic("order-exporter", secret) },
    );
  const first = await request();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(String(first.body.access_token), createLocalJWKSet(jwks), {
    issuer,
    audience: "https://api.example.com/orders",
    typ: "at+jwt",
  });
  assert.equal(payload.scope, "read:invoices read:orders");

  // An edit of a manifest while up runs: the exporter may now cancel orders.
  const file = path.join(tenant.config, "applications.yaml");
  const text = await readFile(file, "utf8");
  await writeFile(
    file,
    text.replace(
      "scopes: [read:orders, read:invoices]",
      "scopes: [read:orders, read:invoices, cancel:orders]",
    ),
  );
  const until = Date.now() + 10_000;
  let scope = "";
  while (Date.now() < until && !scope.includes("cancel:orders")) {
    await new Promise((r) => setTimeout(r, 200));
    scope = String((await request()).body.scope);
  }
  assert.equal(scope, "cancel:orders read:invoices read:orders");
  assert.match(stderr, /uncommitted changes/);

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0, stderr);
});
