/**
 * Acceptance 1 (the user without read:users) and 2 of the console issue, in a real browser against the
 * config/ tenant: bob (the api-publisher role: read:apis, create:api_scopes, update:apis; no read:users,
 * no delete:api_scopes) sees no users and /v1 refuses the calls a users page would make; he uploads the
 * shipping Api's spec through the OpenAPI page's form (a dry run that writes nothing, then apply), which
 * changes the scopes shown, the next token of an application authorized for shipping and the import
 * history; a replacement is neither offered to him nor allowed by /v1.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { launch, openPage } from "../support/browser.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm } from "../support/token-server.ts";
import { assertAccessible, pageToken, screenshot, signIn } from "./console-page.ts";
import { serveConsole } from "./serve-console.ts";

const TEST_TIMEOUT_MS = 180_000;
const SHIPPING = "https://api.example.com/shipping";

const SHIPPING_SPEC = `openapi: 3.0.3
info: { title: Shipping, version: "1" }
paths:
  /shipments:
    get: { summary: List shipments, responses: { "200": { description: ok } } }
    post: { summary: Create a shipment, responses: { "201": { description: ok } } }
  /shipments/{shipmentId}/labels:
    get: { summary: Print a label, responses: { "200": { description: ok } } }
`;

/** An m2m client authorized for every shipping scope: its tokens follow the uploads. */
const SHIPPING_ROBOT = `${API_HEADER("Application", "shipping-robot")}spec:
  type: m2m
  apis:
    shipping: { scopes: all }
`;

describe("the console's upload form and a user without read:users", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("bob sees no users, uploads the shipping spec (dry run, then apply), cannot replace it", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, issuer } = await serveConsole(t, { "shipping-robot.yaml": SHIPPING_ROBOT });
    const robotToken = async () => {
      const secret = tenant.secrets.get("shipping-robot") ?? assert.fail("no secret for shipping-robot");
      const res = await postForm(
        `${issuer}/oauth2/token`,
        { grant_type: "client_credentials", audience: SHIPPING },
        { authorization: basic("shipping-robot", secret) },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return String(res.body.scope).split(" ").sort();
    };
    assert.deepEqual(await robotToken(), ["read:shipments"]);

    const browser = await launch(t);
    const { page } = await openPage(t, browser);
    await signIn(page, issuer, "bob@example.com");
    const nav = await page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
    assert.ok(!nav.includes("Users"), `no Users entry: ${nav.join(", ")}`);

    // The calls a users page would make are refused for bob's token, by /v1 itself.
    const token = await pageToken(page);
    for (const route of ["/v1/users", "/v1/users?limit=50", "/v1/users/alice/scopes"]) {
      const res = await fetch(`${issuer}${route}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 403, route);
      assert.match(res.headers.get("www-authenticate") ?? "", /insufficient_scope.*read:users/);
    }
    await page.goto(`${issuer}/console/users`);
    await page.getByText("Seeing users needs the read:users permission.").waitFor();
    await page.goto(`${issuer}/console/apis/orders/scopes/read:orders`);
    await page.getByRole("heading", { level: 1, name: "Scope read:orders" }).waitFor();
    await page.getByText("Seeing users needs the read:users permission.").waitFor();
    assert.equal(await page.getByRole("table", { name: /Users holding it/ }).count(), 0);

    // The shipping Api's OpenAPI page: no import yet, the upload form.
    await page.goto(`${issuer}/console/apis/shipping/openapi`);
    await page.getByRole("heading", { level: 2, name: "Upload the spec" }).waitFor();
    await page.getByText("No imports yet.").waitFor();
    await page.getByLabel("OpenAPI spec file (JSON or YAML)").setInputFiles({
      name: "shipping.yaml",
      mimeType: "application/yaml",
      buffer: Buffer.from(SHIPPING_SPEC),
    });
    await page.getByRole("button", { name: "Preview upload (dry run)" }).click();
    const preview = page.getByRole("region", { name: /Dry run: what uploading would do/ });
    await preview.waitFor();
    assert.deepEqual(await preview.locator("tbody tr").allInnerTexts(), [
      "created\tget:shipments\tGET /shipments",
      "created\tpost:shipments\tPOST /shipments",
      "created\tget:shipments_shipmentid_labels\tGET /shipments/{shipmentId}/labels",
    ]);
    await screenshot(page, "upload-preview");
    await assertAccessible(page, "the upload preview");
    // The dry run wrote nothing: no import, no new scope, the same token.
    assert.equal((await tenant.store.imports()).length, 1, "only the catalog's git import");
    assert.deepEqual(await robotToken(), ["read:shipments"]);

    await preview.getByRole("button", { name: "Apply upload" }).click();
    const applied = await page
      .getByRole("status")
      .filter({ hasText: /^Applied: revision \d+\.$/ })
      .innerText();
    const revision = Number(/revision (\d+)/.exec(applied)?.[1]);
    await tenant.served(revision);

    // The history shows the upload, its log the created scopes.
    const history = page.locator("ol.history > li");
    await history.first().waitFor();
    assert.equal(await history.count(), 1);
    assert.match(
      await history.first().innerText(),
      /^Uploaded shipping\.yaml \([0-9a-f]{12}, revision \d+\)/,
    );
    await screenshot(page, "upload-applied");

    // The next token carries the generated scopes.
    assert.deepEqual(await robotToken(), [
      "get:shipments",
      "get:shipments_shipmentid_labels",
      "post:shipments",
      "read:shipments",
    ]);

    // The Scopes tab shows them, badged as uploaded and managed by the console's client.
    await page.getByRole("link", { name: "Scopes", exact: true }).click();
    const rows = page.getByRole("table", { name: "Scopes of shipping" }).locator("tbody tr");
    await rows.first().waitFor();
    assert.deepEqual(await rows.allInnerTexts(), [
      "get:shipments\tList shipments\tUploaded\tAPI client scopectl-console\t0\thidden\t1\t0",
      "get:shipments_shipmentid_labels\tPrint a label\tUploaded\tAPI client scopectl-console\t0\thidden\t1\t0",
      "post:shipments\tCreate a shipment\tUploaded\tAPI client scopectl-console\t0\thidden\t1\t0",
      "read:shipments\tTrack shipments\tManual\tgit\t0\thidden\t1\t0",
    ]);

    // Replacing needs delete:api_scopes: the page offers no form, and /v1 refuses the write.
    await page.getByRole("link", { name: "OpenAPI", exact: true }).click();
    await page
      .getByText(/Replacing the spec needs the create:api_scopes, update:apis, delete:api_scopes/)
      .waitFor();
    assert.equal(await page.getByLabel("OpenAPI spec file (JSON or YAML)").count(), 0);
    assert.equal(await page.getByRole("button", { name: /Preview/ }).count(), 0);
    const replace = await fetch(`${issuer}/v1/apis/shipping/openapi?dryRun=true`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
      body: SHIPPING_SPEC.replace("List shipments", "List all shipments"),
    });
    assert.equal(replace.status, 403);
    assert.match(replace.headers.get("www-authenticate") ?? "", /insufficient_scope.*delete:api_scopes/);
    assert.equal((await tenant.store.imports()).length, 2, "the upload and nothing after it");
  });
});
