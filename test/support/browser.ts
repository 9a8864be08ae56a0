/**
 * A real browser for tests: Debian's chromium driven by playwright-core, headless, able to reach
 * 127.0.0.1 only (every other name fails to resolve), closed after the test; a page that records where
 * each request went, and a check that everything stayed on loopback.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TIMEOUT_MS = 15_000;

export async function launch(t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    assert.fail(
      `no Chromium at ${CHROMIUM}: install Debian's chromium (npm run setup:tools, or apt-get install ` +
        "chromium), or set CHROMIUM_PATH",
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Nothing resolves but 127.0.0.1, where the test's servers listen: nothing else is reachable.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  t.after(() => browser.close());
  return browser;
}

export interface Traffic {
  urls: string[];
  /** Where each response came from: `ip:port`, as Chromium saw it. */
  peers: Promise<string>[];
}

export async function openPage(t: TestContext, browser: Browser): Promise<{ page: Page; traffic: Traffic }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  t.after(() => context.close());
  const traffic: Traffic = { urls: [], peers: [] };
  context.on("request", (request) => traffic.urls.push(request.url()));
  context.on("response", (response) =>
    traffic.peers.push(
      response.serverAddr().then((addr) => (addr ? `${addr.ipAddress}:${addr.port}` : "unknown")),
    ),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.setDefaultNavigationTimeout(TIMEOUT_MS);
  return { page, traffic };
}

/** Every request went to one of `origins`, and every answer came from loopback. */
export async function assertLoopbackOnly(traffic: Traffic, origins: string[]): Promise<void> {
  assert.ok(traffic.urls.length > 0);
  for (const url of traffic.urls) assert.ok(origins.includes(new URL(url).origin), `a request to ${url}`);
  const allowed = origins.map((origin) => `127.0.0.1:${new URL(origin).port}`);
  for (const peer of await Promise.all(traffic.peers))
    assert.ok(allowed.includes(peer), `an answer from ${peer}`);
}
