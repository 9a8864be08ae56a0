/**
 * `/console`'s own answers over HTTP: the CSP on every answer, the sign-in settings only when the
 * manifests declare a console Application (404 naming what to declare otherwise, 503 before the state is
 * loaded), every page path the same document, and a clear 503 when the console is not built.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import express from "express";
import { CONSOLE_CSP, consoleRouter } from "../../src/server/console/console-routes.ts";
import type { ServerContext } from "../../src/server/context.ts";
import { API_HEADER, serveTenant } from "../support/token-server.ts";

const TEST_TIMEOUT_MS = 60_000;

describe("the /console routes", { timeout: TEST_TIMEOUT_MS }, () => {
  test("without a console Application: config.json is 404 naming the redirect URI; pages still load", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const tenant = await serveTenant(t, {
      "api.yaml": `${API_HEADER("Api", "orders")}spec:\n  audience: https://orders.example\n  scopes: [{ name: "read:orders" }]\n`,
    });
    const config = await fetch(`${tenant.url}/console/config.json`);
    assert.equal(config.status, 404);
    assert.equal(config.headers.get("content-security-policy"), CONSOLE_CSP);
    const body = (await config.json()) as { error: string; error_description: string };
    assert.equal(body.error, "no_console_application");
    assert.ok(body.error_description.includes(`${tenant.issuer}/console/callback`), body.error_description);
    for (const page of ["/console/", "/console/apis/orders/scopes/read:orders", "/console/history/3"]) {
      const res = await fetch(`${tenant.url}${page}`);
      assert.equal(res.status, 200, page);
      assert.equal(res.headers.get("content-security-policy"), CONSOLE_CSP, page);
      assert.match(await res.text(), /<script type="module" src="\/console\/assets\/console\.js">/);
    }
    assert.equal((await fetch(`${tenant.url}/console/assets/nothing.js`)).status, 404);
  });

  test("not built: every page is a 503 saying how to build; config.json is 503 before the state loads", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const empty = await mkdtemp(path.join(os.tmpdir(), "scopectl-console-unbuilt-"));
    const ctx = { snapshot: () => undefined } as unknown as ServerContext;
    const app = express().use("/console", consoleRouter(ctx, empty));
    const server = app.listen(0, "127.0.0.1");
    t.after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(empty, { recursive: true, force: true });
    });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await fetch(`${url}/console/apis`);
    assert.equal(page.status, 503);
    assert.match(await page.text(), /The console is not built: run `npm run build`/);
    const config = await fetch(`${url}/console/config.json`);
    assert.equal(config.status, 503);
    assert.equal(((await config.json()) as { error: string }).error, "unavailable");
  });
});
