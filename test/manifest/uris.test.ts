/**
 * The URI rules of manifests: redirect URIs (https; http only on a loopback host; a native app's
 * private-use scheme; never javascript:, data:, file: and the like) and Api audiences (an absolute URI
 * without fragment, or an identifier). Each refusal names the file, line, column and field.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { checkAudience, checkIssuer, checkRedirectUri } from "../../src/model/uris.ts";
import { createProvider } from "../../src/providers/provider.ts";
import type { ProviderSession } from "../../src/providers/types.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { assertOneError, ORDERS_API, tenant, yaml } from "./helpers.ts";

const app = (uri: string) => ({
  "api.yaml": ORDERS_API,
  "app.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: web }",
    "spec:",
    "  type: spa",
    "  redirectUris:",
    "    - https://app.example.com/callback",
    `    - ${JSON.stringify(uri)}`,
  ),
});

const api = (audience: string) => ({
  "api.yaml": yaml(
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata: { name: orders }",
    "spec:",
    `  audience: ${JSON.stringify(audience)}`,
  ),
});

describe("redirect URIs", { timeout: SUITE_TIMEOUT_MS }, () => {
  const refused: Array<[string, RegExp]> = [
    ["javascript:alert(document.cookie)", /the "javascript:" scheme, which is not allowed/],
    ["JavaScript:alert(1)", /the "javascript:" scheme, which is not allowed/],
    ["data:text/html,<script>alert(1)</script>", /must be an absolute URI/],
    ["data:text/html;base64,PHNjcmlwdD4=", /the "data:" scheme, which is not allowed/],
    ["vbscript:msgbox", /the "vbscript:" scheme, which is not allowed/],
    ["file:///etc/passwd", /the "file:" scheme, which is not allowed/],
    ["blob:https://app.example.com/0b1c", /the "blob:" scheme, which is not allowed/],
    ["myapp:/callback", /the "myapp:" scheme, which is not allowed.*reverse-domain/],
    ["http://app.example.com/callback", /uses http on the host "app\.example\.com".*loopback/],
    ["http://127.0.0.1.example.com/cb", /uses http on the host "127\.0\.0\.1\.example\.com"/],
    ["http://localhost@evil.example/cb", /a user name or password before its host/],
    ["https://user:pw@app.example.com/cb", /a user name or password before its host/],
    ["https:///callback", /has no host/],
    ["https:app.example.com/callback", /has no host/],
    // RFC 3986 allows any digits; a browser (WHATWG URL) only 0-65535, and the server parses it.
    ["http://127.0.0.1:99999/callback", /has the port 99999, which is not a port \(1-65535\)/],
    ["https://app.example.com:0/callback", /has the port 0, which is not a port/],
    ["https://app.example.com:65536/callback", /has the port 65536/],
    ["com.example.app://host:70000/callback", /has the port 70000/],
    ["https://1.2.3.256/callback", /not a URL a browser can parse/],
    // RFC 3986 allows a percent-encoded space in a host name; WHATWG URL decodes it and refuses it. (An
    // invalid punycode label such as xn--a is no example: Node 20's parser refuses it, Node 24's takes it.)
    ["https://a%20b.example/callback", /not a URL a browser can parse/],
  ];
  for (const [uri, message] of refused) {
    test(`refuses ${uri}, at the list item`, async (t) => {
      const dir = await tenant(t, app(uri));
      await assertOneError(dir, {
        file: "app.yaml",
        line: 8,
        column: 7,
        field: "spec.redirectUris[1]",
        message,
      });
    });
  }

  const allowed = [
    "https://app.example.com/callback?from=login",
    "http://127.0.0.1:8080/callback",
    "http://[::1]:8080/callback",
    "http://localhost:3000/callback",
    "http://LOCALHOST/callback",
    "com.example.app:/oauth2redirect",
    "com.example.app://callback",
    "https://app.example.com:65535/callback",
    "http://[::1]:1/callback",
  ];
  for (const uri of allowed) {
    test(`allows ${uri}`, async (t) => {
      const state = await loadDesiredState(await tenant(t, app(uri)));
      assert.deepEqual(state.applications.get("web")?.redirectUris, [
        "https://app.example.com/callback",
        uri,
      ]);
    });
  }

  test("checkRedirectUri says what is allowed", () => {
    assert.equal(checkRedirectUri("https://app.example.com/cb"), undefined);
    assert.match(checkRedirectUri("/callback") ?? "", /is not an absolute URI/);
    assert.match(checkRedirectUri("https://app.example.com/#x") ?? "", /fragment/);
  });
});

describe("Api audiences", { timeout: SUITE_TIMEOUT_MS }, () => {
  const refused: Array<[string, RegExp]> = [
    ["https://api.example.com/orders#v1", /fragment/],
    ["orders#1", /fragment/],
    ["/orders", /not an absolute URI/],
    ["//api.example.com/orders", /not an absolute URI/],
    ["1orders:read", /not an absolute URI/],
    ["https://", /has no host/],
    ["https:api.example.com", /has no host/],
    ["https://api.example.com:99999/orders", /has the port 99999, which is not a port/],
  ];
  for (const [audience, message] of refused) {
    test(`refuses ${audience}, at the field`, async (t) => {
      const dir = await tenant(t, api(audience));
      await assertOneError(dir, { file: "api.yaml", line: 5, column: 13, field: "spec.audience", message });
    });
  }

  for (const audience of [
    "https://api.example.com/orders",
    "urn:example:orders",
    "orders-api",
    "api://orders",
  ]) {
    test(`allows ${audience}`, async (t) => {
      const state = await loadDesiredState(await tenant(t, api(audience)));
      assert.equal(state.apis.get("orders")?.audience, audience);
    });
  }

  test("Settings.managementAudience follows the audience rule", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "settings.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Settings",
        "metadata: { name: main }",
        "spec:",
        "  managementAudience: https://auth.example.com/v1#mgmt",
      ),
    });
    await assertOneError(dir, {
      file: "settings.yaml",
      line: 5,
      column: 23,
      field: "spec.managementAudience",
      message: /fragment/,
    });
  });

  test("checkAudience", () => {
    assert.equal(checkAudience("billing"), undefined);
    assert.match(checkAudience("a#b") ?? "", /fragment/);
  });
});

describe("the issuer", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("http is only for a loopback issuer", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "settings.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Settings",
        "metadata: { name: main }",
        "spec:",
        "  issuer: http://auth.example.com",
      ),
    });
    await assertOneError(dir, {
      file: "settings.yaml",
      line: 5,
      column: 11,
      field: "spec.issuer",
      message: /uses http on the host "auth\.example\.com".*https/,
    });
    assert.equal(checkIssuer("http://localhost:8080"), undefined);
    assert.equal(checkIssuer("https://auth.example.com"), undefined);
    assert.equal(checkIssuer("https://auth.example.com:8443"), undefined);
    assert.match(checkIssuer("https://auth.example.com:70000") ?? "", /has the port 70000/);
    assert.match(checkIssuer("http://localhost:0") ?? "", /has the port 0/);
    assert.match(checkIssuer("https://u@auth.example.com") ?? "", /a user name or password before its host/);
    // The credentials themselves are never echoed: errors reach CI logs.
    assert.doesNotMatch(checkIssuer("https://u:hunter2@auth.example.com") ?? "", /hunter2/);
    assert.doesNotMatch(checkRedirectUri("https://u:hunter2@app.example.com/cb") ?? "", /hunter2/);
  });

  test("a URI that is not even an absolute URI (a raw ^ in its password) is refused without its password", async (t) => {
    const dir = await tenant(t, {
      "api.yaml": ORDERS_API,
      "settings.yaml": yaml(
        "apiVersion: scopectl/v1",
        "kind: Settings",
        "metadata: { name: main }",
        "spec:",
        '  issuer: "https://u:hunter^2@auth.example.com"',
      ),
    });
    const d = await assertOneError(dir, {
      file: "settings.yaml",
      field: "spec.issuer",
      message: /absolute URI/,
    });
    assert.doesNotMatch(d.message, /hunter/);
    assert.match(d.message, /"https:\/\/\*\*\*@auth\.example\.com"/);
  });
});

test("a resource provider's check refuses the same URIs (a Pulumi program does not pass the loader)", async () => {
  // check() reads nothing from the session: a stub is enough.
  const session = {} as ProviderSession;
  // Pulumi passes the old inputs, empty on a create; check() does not look at them.
  const NO_OLDS = {} as never;
  const app = createProvider("Application", session);
  const props = {
    type: "spa",
    clientId: "web",
    secret: { kind: "none" },
    redirectUris: ["https://app.example.com/cb", "javascript:alert(1)"],
    apis: {},
    tokens: { lifetimeSeconds: 3600, includeApiScopesInPermissions: false },
  } as const;
  const checked = await app.check?.(NO_OLDS, {
    resourceId: "web",
    props: { ...props, redirectUris: [...props.redirectUris] },
  });
  assert.deepEqual(
    checked?.failures?.map((f) => f.property),
    ["props.redirectUris[1]"],
  );
  assert.match(checked?.failures?.[0]?.reason ?? "", /"javascript:" scheme/);
  const api = createProvider("Api", session);
  const bad = await api.check?.(NO_OLDS, {
    resourceId: "orders",
    props: { audience: "https://api.example.com/#x", displayName: "Orders" },
  });
  assert.match(bad?.failures?.[0]?.reason ?? "", /fragment/);
  const good = await api.check?.(NO_OLDS, {
    resourceId: "orders",
    props: { audience: "https://api.example.com/orders", displayName: "Orders" },
  });
  assert.equal(good?.failures, undefined);
});
