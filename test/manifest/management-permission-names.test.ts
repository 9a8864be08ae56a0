/**
 * Management permission names (read:apis, read:users, …) are reserved for the built-in management API:
 * a scope name is unique only within its Api, so an `orders` scope named `read:users` would read as the
 * management permission wherever a token's flat scope list is checked. Another Api may not define one,
 * by hand or through its OpenAPI spec, and the management Api takes no generated scopes at all.
 */
import { describe, test } from "node:test";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { assertOneError, tenant, yaml } from "./helpers.ts";

const HEADER = (kind: string, name: string) => [
  "apiVersion: scopectl/v1",
  `kind: ${kind}`,
  `metadata: { name: ${name} }`,
];

/** The default Settings issuer is http://localhost:8080: the management audience is its /v1. */
const MANAGEMENT_API = yaml(
  ...HEADER("Api", "management"),
  "spec:",
  "  audience: http://localhost:8080/v1",
  "  scopes: [{ name: read:apis }, { name: read:users }]",
);

const SPEC = (path: string) =>
  yaml(
    "openapi: 3.0.3",
    "info: { title: T, version: '1' }",
    "paths:",
    `  ${path}:`,
    "    get: { responses: { '200': { description: ok } } }",
    "    delete: { responses: { '204': { description: ok } } }",
  );

describe("management permission names are the management API's own", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an Api other than the management Api may not define a scope named like a permission", async (t) => {
    const dir = await tenant(t, {
      "management.yaml": MANAGEMENT_API,
      "orders.yaml": yaml(
        ...HEADER("Api", "orders"),
        "spec:",
        "  audience: https://api.example.com/orders",
        "  scopes:",
        "    - { name: read:orders }",
        "    - { name: read:users }",
      ),
    });
    await assertOneError(dir, {
      file: "orders.yaml",
      line: 8,
      column: 15,
      message:
        /^"read:users" is a permission of the built-in management API \(read:apis, read:users, .*\); only the Api whose audience is Settings\.managementAudience \(http:\/\/localhost:8080\/v1\) may define it: a scope name is unique only within its Api, and a token's scope list does not say which Api a name belongs to/,
    });
  });

  test("nor through its OpenAPI spec: DELETE /api-scopes would generate delete:api_scopes", async (t) => {
    const dir = await tenant(t, {
      "management.yaml": MANAGEMENT_API,
      "orders.yaml": yaml(...HEADER("Api", "orders"), "spec:", "  audience: https://api.example.com/orders"),
      "source.yaml": yaml(
        ...HEADER("OpenApiSource", "orders-spec"),
        "spec:",
        "  api: orders",
        "  file: orders.openapi.yaml",
      ),
      "orders.openapi.yaml": SPEC("/api-scopes"),
    });
    await assertOneError(dir, {
      file: "source.yaml",
      line: 6,
      column: 9,
      message:
        /^the spec generates "delete:api_scopes" \(DELETE \/api-scopes\), a permission of the built-in management API .*only the Api whose audience is Settings\.managementAudience.*\(spec of OpenApiSource "orders-spec"\)$/,
    });
  });

  test("the management Api takes no OpenApiSource: its scopes are the permissions", async (t) => {
    const dir = await tenant(t, {
      "management.yaml": MANAGEMENT_API,
      "source.yaml": yaml(
        ...HEADER("OpenApiSource", "mgmt-spec"),
        "spec:",
        "  api: management",
        "  file: mgmt.openapi.yaml",
      ),
      "mgmt.openapi.yaml": SPEC("/things"),
    });
    await assertOneError(dir, {
      file: "source.yaml",
      line: 5,
      column: 8,
      message:
        /^Api "management" takes the management audience \(Settings\.managementAudience\): its scopes are the built-in management API's permissions, so no OpenAPI spec may generate scopes for it/,
    });
  });
});
