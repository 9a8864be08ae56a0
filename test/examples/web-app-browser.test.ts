/**
 * Acceptance 2 of the users issue: a real browser (Debian's chromium, driven by playwright-core) signs in
 * through the example web app: the app's "Sign in", scopectl's login page, back to the app's profile,
 * which lists the access token's scopes and the orders API's answer. Saves a screenshot to
 * test-results/web-app-profile.png. Everything stays on loopback.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { assertLoopbackOnly, launch, openPage } from "../support/browser.ts";
import { CATALOG, ORDERS, PASSWORD } from "../support/sign-in.ts";
import { serveWebApp } from "./serve-web-app.ts";

const SCREENSHOT = path.resolve(import.meta.dirname, "../../test-results/web-app-profile.png");

/** Alice: support + auditor roles, and write:orders as an additional scope. */
const ALICE_API_SCOPES = ["cancel:orders", "read:invoices", "read:orders", "read:products", "write:orders"];

/** The app's home page, its Sign in link, and scopectl's login page for this app. */
async function toLoginPage(page: Page, appUrl: string, issuer: string): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.origin === issuer && url.pathname === "/oauth2/authorize");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

describe("the example web app in a real browser", () => {
  test("alice signs in through scopectl's login page and sees her token's scopes and the API's answer", async (t) => {
    const { tenant, url } = await serveWebApp(t);
    const browser = await launch(t);
    const { page, traffic } = await openPage(t, browser);

    await toLoginPage(page, url, tenant.issuer);
    await page.getByLabel("Email").fill("alice@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${url}/profile`);

    await page.getByRole("heading", { name: "Hello, Alice Martin" }).waitFor();
    const audiences = await page
      .getByRole("list", { name: "Your token's audiences" })
      .getByRole("listitem")
      .allTextContents();
    assert.deepEqual(audiences, [ORDERS, CATALOG]);

    const scopes = page.getByRole("table", { name: "Your token's scopes" });
    await scopes.waitFor();
    const names = await scopes.locator("tbody tr td:first-child").allTextContents();
    assert.deepEqual(
      [...names].sort(),
      ["email", "offline_access", "openid", "profile", ...ALICE_API_SCOPES].sort(),
      "the scopes the page lists",
    );
    assert.equal(await scopes.getByRole("row", { name: /write:orders/ }).count(), 1);
    assert.equal(await scopes.getByRole("row", { name: /read:products/ }).count(), 1);

    const status = await page.getByRole("status").textContent();
    assert.match(status ?? "", /GET \/api\/orders succeeded \(200\): 3 orders for alice/);
    assert.equal(
      await page.getByRole("table", { name: "Calling the orders API" }).locator("tbody tr").count(),
      3,
    );
    assert.equal(await page.getByRole("alert").count(), 0, "no error on the profile page");

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${url}/`);
    await page.getByRole("link", { name: "Sign in" }).waitFor();

    await assertLoopbackOnly(traffic, [url, tenant.issuer]);
  });

  test("a wrong password shows scopectl's error on its login page, which stays open", async (t) => {
    const { tenant, url } = await serveWebApp(t);
    const browser = await launch(t);
    const { page, traffic } = await openPage(t, browser);

    await toLoginPage(page, url, tenant.issuer);
    await page.getByLabel("Email").fill("alice@example.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();

    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), "The email or password is incorrect.");
    assert.equal(new URL(page.url()).origin, tenant.issuer, "still on scopectl's page");
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    assert.equal(await page.getByLabel("Email").inputValue(), "alice@example.com", "the email is kept");
    assert.equal(await page.getByLabel("Password").inputValue(), "", "the password is not");

    await assertLoopbackOnly(traffic, [url, tenant.issuer]);
  });
});
