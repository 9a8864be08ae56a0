/**
 * Acceptance 1 and 3 of the console issue, in a real browser (Debian's chromium via playwright-core)
 * against the repository's config/ tenant on loopback: alice (the tenant-admin role: every management
 * permission) signs in through scopectl's own login page and opens every page; each shows the tenant as
 * config/ declares it, gets a screenshot (test-results/console-*.png) and passes axe-core with no serious
 * or critical issue, in light and dark. No request leaves loopback, and the strict CSP reports nothing.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { assertLoopbackOnly, launch, openPage } from "../support/browser.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { assertAccessible, screenshot, signIn } from "./console-page.ts";
import { serveConsole } from "./serve-console.ts";

const TEST_TIMEOUT_MS = 180_000;

/**
 * Waits until the page's main area shows no "Loading…" status: a page's heading is drawn before its
 * answers arrive, so text read at the heading alone may still be the status (`Show` in components.tsx).
 */
async function loaded(page: Page): Promise<void> {
  await page.getByRole("main").getByRole("status").filter({ hasText: "Loading…" }).first().waitFor({
    state: "hidden",
  });
}

/** Opens a page by its nav link and waits for its heading and its answers. */
async function openNav(page: Page, link: string, heading: string | RegExp): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await loaded(page);
}

/** The text of each row of the table named `caption`. */
async function rows(page: Page, caption: string | RegExp): Promise<string[]> {
  const table = page.getByRole("table", { name: caption });
  await table.waitFor();
  return table.locator("tbody tr").allInnerTexts();
}

/** Screenshot and accessibility check of the page as it is now. */
async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await assertAccessible(page, name);
}

/** Errors the page logged (a CSP violation is one) and requests that failed. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

describe("the web console in a real browser", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("alice (every management permission) opens every page and sees the config tenant", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, issuer } = await serveConsole(t);
    // What a git sync loop records (gitops/): the Sync page shows it.
    await tenant.store.saveSyncStatus({
      state: "OutOfSync",
      reason: "DriftDetected",
      repo: "https://git.example/platform/authz.git",
      branch: "main",
      path: "config",
      head: "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
      lastApplied: {
        sha: "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
        subject: "Add the shipping API",
        author: "Dana <dana@example.com>",
        time: "2026-12-01T10:00:00.000Z",
        revision: 1,
      },
      lastAttempted: {
        sha: "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
        subject: "Add the shipping API",
        author: "Dana <dana@example.com>",
        time: "2026-12-01T10:00:00.000Z",
      },
      drift: [
        {
          action: "update",
          kind: "Role",
          id: "auditor",
          diff: [{ path: "description", before: "Read-only access", after: "Changed by hand" }],
        },
      ],
      checkedAt: "2026-12-01T10:05:00.000Z",
    });
    const browser = await launch(t);
    const { page, traffic } = await openPage(t, browser);
    const errors = watchErrors(page);

    await signIn(page, issuer, "alice@example.com");
    await page.getByRole("heading", { level: 1, name: "APIs" }).waitFor();
    assert.match(await page.getByRole("banner").innerText(), /Signed in as Alice Martin/);
    const nav = await page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
    assert.deepEqual(nav, ["APIs", "Users", "Roles", "Applications", "API keys", "Sync", "History"]);
    const apis = await rows(page, "APIs and their scopes");
    assert.deepEqual(
      apis.map((row) => row.split("\t")[0]),
      [
        "Catalog API catalog",
        "scopectl management API management",
        "Orders API orders",
        "Shipping API shipping",
      ],
    );
    await checkPage(page, "apis");
    await page.emulateMedia({ colorScheme: "dark" });
    await checkPage(page, "apis-dark");
    await page.emulateMedia({ colorScheme: "light" });

    // An Api's Scopes tab: badges, managers, holder counts; search.
    await page.getByRole("link", { name: "Catalog API" }).click();
    await page.getByRole("heading", { level: 1, name: "Catalog API" }).waitFor();
    const scopes = await rows(page, "Scopes of catalog");
    const health = scopes.find((row) => row.startsWith("get:health")) ?? assert.fail("no get:health row");
    assert.match(health, /Health check.*\tManual\tgit\t/);
    const products = scopes.find((row) => row.startsWith("get:products\t")) ?? assert.fail("no get:products");
    // Carried by catalog-editor and support-agent; held by alice and carol (disabled); enabled for
    // order-exporter by name, storefront-backend and web-example by `all`.
    assert.match(products, /\tOpenAPI\tgit\t2\t2\t3\t0$/);
    assert.equal(scopes.length, 13);
    await checkPage(page, "api-scopes");
    await page.getByLabel("Search scopes").fill("INVENTORY");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\?q=INVENTORY$/);
    await page.getByText("1–2 of 2").waitFor();
    assert.deepEqual(
      (await rows(page, "Scopes of catalog")).map((row) => row.split("\t")[0]),
      [
        "get:products_productid_inventory",
        "put:warehouses_warehouseid_bins_binid_inventory_adjustm_5f5240cf",
      ],
    );

    // One generated scope: the product's reason instead of editing controls, and its holders.
    await page.getByRole("link", { name: "get:products_productid_inventory" }).click();
    await page.getByRole("heading", { level: 1, name: "Scope get:products_productid_inventory" }).waitFor();
    await loaded(page);
    assert.match(
      await page.locator(".message.note").innerText(),
      /Not editable here\. Generated from the OpenAPI spec of OpenApiSource "catalog-spec": change the spec/,
    );
    assert.equal(await page.getByRole("button", { name: /Delete scope|Save description/ }).count(), 0);
    assert.match(await page.getByRole("main").innerText(), /Catalog editor/);
    assert.deepEqual(await rows(page, "Users holding it"), ["alice\talice@example.com\trole catalog-editor"]);
    await checkPage(page, "scope");

    // The OpenAPI page of a git spec: the active file, its history and its log.
    await page.getByRole("link", { name: "catalog", exact: true }).click();
    await page.getByRole("link", { name: "OpenAPI" }).click();
    await page.getByRole("heading", { level: 2, name: "Active file" }).waitFor();
    await loaded(page);
    const main = page.getByRole("main");
    assert.match(await main.innerText(), /specs\/catalog\.openapi\.yaml/);
    assert.match(await main.innerText(), /SHA-256\s+[0-9a-f]{64}/);
    assert.match(await main.innerText(), /Its spec comes from git/);
    await page.getByText("View logs").first().click();
    const log = await rows(page, /^Log of revision/);
    assert.ok(
      log.some((row) => /^created\tget:products\tGET \/products$/.test(row)),
      log.join("\n"),
    );
    assert.ok(
      log.some((row) => row.startsWith("duplicate\tget:health")),
      "get:health is a duplicate",
    );
    await checkPage(page, "openapi");

    // Users, and one user's effective scopes with their sources.
    await openNav(page, "Users", "Users");
    const users = await rows(page, "Users, their roles and scope counts");
    assert.deepEqual(
      users.map((row) => row.split("\t")[0]),
      ["Alice Martin alice", "Bob Chen bob", "Carol Diaz carol"],
    );
    assert.match(users[2] ?? "", /Disabled$/);
    await checkPage(page, "users");
    await page.getByRole("link", { name: "Alice Martin" }).click();
    await page.getByRole("heading", { level: 1, name: "alice" }).waitFor();
    const orders = await rows(page, "orders");
    assert.ok(orders.includes("write:orders\tadditional"), orders.join("\n"));
    assert.ok(orders.includes("read:orders\trole support-agent"), orders.join("\n"));
    await checkPage(page, "user");

    await openNav(page, "Roles", "Roles");
    const roles = await rows(page, "Roles and the scopes they carry");
    assert.ok(
      roles.some((row) =>
        /^Tenant admin tenant-admin\t.*management: create:api_scopes, delete:api_scopes, read:apis, read:users, update:api_scopes, update:apis/s.test(
          row,
        ),
      ),
      roles.join("\n"),
    );
    assert.ok(
      roles.some((row) => /^Auditor auditor\t.*\t1$/s.test(row)),
      roles.join("\n"),
    );
    await checkPage(page, "roles");

    await openNav(page, "Applications", "Applications");
    const apps = await rows(page, "Applications and their authorized APIs");
    assert.ok(
      apps.some((row) =>
        /^console\s+client id scopectl-console\tspa\s+management: all scopes \(6 now\)$/.test(row),
      ),
      apps.join("\n"),
    );
    assert.ok(
      apps.some((row) =>
        /^ops-dashboard\s+client id ops-dashboard\tm2m\s+management: read:apis, read:users$/.test(row),
      ),
      apps.join("\n"),
    );
    await checkPage(page, "applications");

    await openNav(page, "API keys", "API keys");
    const keys = await rows(page, /^API keys/);
    assert.equal(keys.length, 1);
    assert.match(keys[0] ?? "", /^warehouse-scanner\tsck_[0-9a-f]{8}…\t/);
    await checkPage(page, "api-keys");

    await openNav(page, "Sync", "Git sync");
    assert.match(await main.innerText(), /OutOfSync\s+DriftDetected/);
    assert.match(await main.innerText(), /Last applied\s+4f1c2d3e4f5a Add the shipping API/);
    assert.deepEqual(await rows(page, "What differs from the applied commit"), [
      "update\tRole auditor\t\ndescription Read-only access → Changed by hand",
    ]);
    await checkPage(page, "sync");

    await openNav(page, "History", "History");
    const revisions = await rows(page, "Revisions of the store, newest first");
    assert.equal(revisions.length, 1);
    await checkPage(page, "history");
    await page.getByRole("link", { name: "Revision 1" }).click();
    await page.getByRole("heading", { level: 1, name: "Revision 1" }).waitFor();
    const changes = await rows(page, "Changes of revision 1");
    assert.ok(
      changes.some((row) => row.startsWith("create\tApi shipping")),
      changes.join("\n"),
    );
    assert.ok(
      changes.some((row) => row.startsWith("create\tUser alice")),
      "alice's change is shown",
    );
    await checkPage(page, "revision");

    // Keyboard: the skip link is the first stop and moves to the content.
    await page.keyboard.press("Tab");
    assert.equal(
      await page.evaluate<string | undefined>("document.activeElement?.textContent"),
      "Skip to content",
    );

    assert.deepEqual(errors, [], "no console error, no CSP violation");
    await assertLoopbackOnly(traffic, [issuer]);
  });
});
