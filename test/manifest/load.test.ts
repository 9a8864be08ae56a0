import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { ORDERS_API, ORDERS_SPEC, tenant, yaml } from "./helpers.ts";

const VALID_TENANT = {
  "apis/orders.yaml": yaml(
    "# The orders Api: two manual scopes, the rest from its spec.",
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata:",
    "  name: orders",
    "  labels: { team: commerce }",
    "spec:",
    "  audience: https://api.example.com/orders",
    "  displayName: Orders API",
    "  scopes:",
    "    - name: read:orders",
    "      description: Read orders",
    "    - name: get:orders",
    "      description: Listed by hand",
    "---",
    "apiVersion: scopectl/v1",
    "kind: OpenApiSource",
    "metadata:",
    "  name: orders-spec",
    "spec:",
    "  api: orders",
    "  file: ../specs/orders.yaml",
  ),
  "specs/orders.yaml": ORDERS_SPEC,
  "apis/billing.yml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata: { name: billing }",
    "spec:",
    "  audience: billing",
    "  scopes:",
    "    - name: read:invoices",
    "    - name: pay:invoices",
  ),
  "roles.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Role",
    "metadata: { name: viewer }",
    "spec:",
    "  displayName: Viewer",
    "  description: Reads orders",
    "  scopes:",
    "    orders: [read:orders, get:orders_orderid]",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Role",
    "metadata: { name: billing-admin }",
    "spec:",
    "  scopes:",
    "    billing: [read:invoices, pay:invoices]",
    "---",
  ),
  "people/users.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: User",
    "metadata: { name: alice }",
    "spec:",
    "  email: alice@example.com",
    "  name: Alice Martin",
    "  roles: [viewer, billing-admin]",
    "  additionalScopes:",
    "    orders: [delete:orders_orderid]",
    "---",
    "apiVersion: scopectl/v1",
    "kind: User",
    "metadata: { name: bob }",
    "spec:",
    "  email: bob@example.com",
    "  disabled: true",
  ),
  "apps.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: exporter }",
    "spec:",
    "  type: m2m",
    "  clientId: exporter-1",
    "  secret: { fromEnv: EXPORTER_SECRET }",
    "  apis:",
    "    orders: { scopes: [read:orders] }",
    "    billing: { scopes: all }",
    "  tokens: { lifetimeSeconds: 600, includeApiScopesInPermissions: true }",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: portal }",
    "spec:",
    "  type: regular",
    "  redirectUris: [https://portal.example.com/callback]",
    "  apis:",
    "    orders: {}",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: dashboard }",
    "spec:",
    "  type: spa",
    "  redirectUris: [https://dashboard.example.com/]",
  ),
  "keys.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: ApiKey",
    "metadata: { name: scanner }",
    "spec:",
    "  api: orders",
    "  scopes: [read:orders]",
    "  owner: alice",
    '  expiresAt: "2027-12-31T23:59:59Z"',
  ),
  "settings.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Settings",
    "metadata: { name: default }",
    "spec:",
    "  issuer: https://auth.example.com/",
    "  signingAlg: ES256",
  ),
  // Never read: hidden folders, node_modules, and files that are not YAML.
  ".github/workflow.yaml": "this: [is not a manifest\n",
  "node_modules/pkg/config.yml": "kind: Widget\n",
  "README.md": "# not YAML\n",
};

describe("loadDesiredState on a valid tenant", () => {
  test("loads every kind from several files, folders and multi-document files", async (t) => {
    const dir = await tenant(t, VALID_TENANT);
    const state = await loadDesiredState(dir);

    assert.equal(state.root, dir);
    assert.deepEqual(state.settings, {
      issuer: "https://auth.example.com/",
      signingAlg: "ES256",
      accessTokenLifetimeSeconds: 3600,
      managementAudience: "https://auth.example.com/v1",
      source: { file: "settings.yaml", line: 1, column: 1 },
    });

    assert.deepEqual([...state.apis.keys()], ["billing", "orders"]);
    const orders = state.apis.get("orders");
    assert.equal(orders?.audience, "https://api.example.com/orders");
    assert.equal(orders?.displayName, "Orders API");
    assert.deepEqual(orders?.source, { file: "apis/orders.yaml", line: 2, column: 1 });
    // Manual scopes first; `get:orders` is both listed and generated: it stays manual, with its description.
    assert.deepEqual(orders?.scopes, [
      { api: "orders", name: "read:orders", description: "Read orders", origin: "manual" },
      { api: "orders", name: "get:orders", description: "Listed by hand", origin: "manual" },
      { api: "orders", name: "get:orders_orderid", description: "getOrder", origin: "openapi" },
      {
        api: "orders",
        name: "delete:orders_orderid",
        description: "DELETE /orders/{orderId}",
        origin: "openapi",
      },
    ]);
    const billing = state.apis.get("billing");
    assert.equal(billing?.displayName, "billing", "displayName defaults to the name");
    assert.deepEqual(
      billing?.scopes.map((s) => [s.name, s.description, s.origin]),
      [
        ["read:invoices", "", "manual"],
        ["pay:invoices", "", "manual"],
      ],
    );

    const source = state.openApiSources.get("orders-spec");
    assert.equal(source?.api, "orders");
    assert.equal(source?.file.path, "specs/orders.yaml");
    assert.equal(source?.specVersion.startsWith("3.0"), true);
    assert.deepEqual(source?.scopes, ["get:orders_orderid", "delete:orders_orderid"]);
    assert.deepEqual(
      source?.log.map((e) => [e.action, e.scope]),
      [
        ["duplicate", "get:orders"],
        ["created", "get:orders_orderid"],
        ["created", "delete:orders_orderid"],
      ],
    );
    assert.deepEqual(source?.source, { file: "apis/orders.yaml", line: 16, column: 1 });

    assert.deepEqual(state.roles.get("viewer"), {
      name: "viewer",
      displayName: "Viewer",
      description: "Reads orders",
      scopes: { orders: ["read:orders", "get:orders_orderid"] },
      source: { file: "roles.yaml", line: 1, column: 1 },
    });
    assert.deepEqual(state.roles.get("billing-admin")?.displayName, "billing-admin");

    assert.deepEqual(state.users.get("alice"), {
      name: "alice",
      email: "alice@example.com",
      displayName: "Alice Martin",
      roles: ["viewer", "billing-admin"],
      additionalScopes: { orders: ["delete:orders_orderid"] },
      disabled: false,
      source: { file: "people/users.yaml", line: 1, column: 1 },
    });
    assert.equal(state.users.get("bob")?.disabled, true);
    assert.deepEqual(state.users.get("bob")?.roles, []);

    assert.deepEqual(state.applications.get("exporter"), {
      name: "exporter",
      type: "m2m",
      clientId: "exporter-1",
      secret: { fromEnv: "EXPORTER_SECRET" },
      redirectUris: [],
      apis: {
        orders: { all: false, scopes: ["read:orders"] },
        billing: { all: true, scopes: ["read:invoices", "pay:invoices"] },
      },
      tokens: { lifetimeSeconds: 600, includeApiScopesInPermissions: true },
      disabled: false,
      source: { file: "apps.yaml", line: 1, column: 1 },
    });
    const portal = state.applications.get("portal");
    assert.deepEqual(portal?.secret, { generate: true });
    assert.deepEqual(portal?.apis, { orders: { all: false, scopes: [] } });
    assert.deepEqual(portal?.tokens, { lifetimeSeconds: 3600, includeApiScopesInPermissions: false });
    assert.equal(portal?.clientId, "portal", "an application without clientId uses its name");
    assert.deepEqual(state.applications.get("dashboard")?.secret, { none: true });
    assert.deepEqual(state.applications.get("dashboard")?.redirectUris, ["https://dashboard.example.com/"]);

    assert.deepEqual(state.apiKeys.get("scanner"), {
      name: "scanner",
      api: "orders",
      scopes: ["read:orders"],
      owner: "alice",
      expiresAt: "2027-12-31T23:59:59Z",
      source: { file: "keys.yaml", line: 1, column: 1 },
    });
  });

  test("without a Settings document the defaults apply", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "app.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Application",
        "metadata: { name: worker }",
        "spec:",
        "  type: m2m",
        "  apis: { orders: { scopes: all } }",
      ),
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(state.settings, {
      issuer: "http://localhost:8080",
      signingAlg: "RS256",
      accessTokenLifetimeSeconds: 3600,
      managementAudience: "http://localhost:8080/v1",
    });
    assert.equal("source" in state.settings, false);
    assert.deepEqual(state.applications.get("worker")?.apis.orders, {
      all: true,
      scopes: ["read:orders", "write:orders"],
    });
    assert.equal(state.openApiSources.size, 0);
    assert.equal(state.roles.size, 0);
  });

  test("a Settings document fills the fields it leaves out with the defaults", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "settings.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Settings",
        "metadata: { name: tenant }",
        "spec:",
        "  accessTokenLifetimeSeconds: 900",
        "---",
        "apiVersion: scopectl/v1",
        "kind: Application",
        "metadata: { name: worker }",
        "spec: { type: m2m }",
      ),
    });
    const state = await loadDesiredState(dir);
    assert.deepEqual(state.settings, {
      issuer: "http://localhost:8080",
      signingAlg: "RS256",
      accessTokenLifetimeSeconds: 900,
      managementAudience: "http://localhost:8080/v1",
      source: { file: "settings.yaml", line: 1, column: 1 },
    });
    // An application's token lifetime defaults to the tenant's.
    assert.equal(state.applications.get("worker")?.tokens.lifetimeSeconds, 900);
  });

  test("YAML anchors and aliases within the limit are followed", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "roles.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Role",
        "metadata: { name: reader }",
        "spec:",
        "  description: &text Reads orders",
        "  displayName: *text",
        "  scopes:",
        "    orders: [read:orders]",
      ),
    });
    const state = await loadDesiredState(dir);
    assert.equal(state.roles.get("reader")?.displayName, "Reads orders");
    assert.deepEqual(state.roles.get("reader")?.scopes, { orders: ["read:orders"] });
  });
});
