/**
 * Driving the console in the browser: signing in through scopectl's own login page, a screenshot of a
 * page to test-results/console-<name>.png, and axe-core's check of the page as it stands.
 */
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Page } from "playwright-core";
import { PASSWORD } from "./serve-console.ts";

const RESULTS = path.resolve(import.meta.dirname, "../../test-results");
const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** From the console's sign-in page through the login form, back to `landing` (a console path). */
export async function signIn(
  page: Page,
  issuer: string,
  email: string,
  landing = "/console/apis",
): Promise<void> {
  await page.goto(`${issuer}${landing}`);
  await page.getByRole("heading", { name: "scopectl console" }).waitFor();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/oauth2/authorize");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === landing.split("?")[0]);
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `console-${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core on the page (evaluated through the DevTools protocol, which the page's CSP does not govern,
 * so the page's own policy stays as served): no serious or critical violation.
 */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  // Expressions as text: they run in the page, whose globals (window, document) this file's types lack.
  if (!(await page.evaluate<boolean>(`"axe" in window`))) await page.evaluate(await AXE_SOURCE);
  const violations = await page.evaluate<unknown[]>(`axe.run(document).then((result) => result.violations)`);
  const bad = (violations as AxeViolation[]).filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map(
      (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(" ")}`,
    ),
    [],
    `axe-core on ${where}`,
  );
}

/** The console's access token, as the page keeps it: for calling /v1 as the page would. */
export async function pageToken(page: Page): Promise<string> {
  const token = await page.evaluate<string | null>(
    `(JSON.parse(sessionStorage.getItem("scopectl.console.session") ?? "null") ?? {}).accessToken ?? null`,
  );
  assert.ok(token, "the console keeps a session");
  return token;
}
