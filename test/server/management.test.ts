/**
 * The read-only management views under `/v1/` over HTTP, with bearer tokens from the server's own token
 * endpoint for the management audience (Settings.managementAudience): Apis with the source marks of
 * their scopes, the OpenAPI import page with its history, users and their effective scopes, and the
 * RFC 6750 errors.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import type { SyncStatus } from "../../src/store/sync-status.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { API_HEADER, basic, postForm, type ServedTenant, serveTenant } from "../support/token-server.ts";

/** The default Settings issuer is http://localhost:8080, so the management audience is <issuer>/v1. */
const MANAGEMENT = "http://localhost:8080/v1";
const CATALOG = "https://catalog.example";
const ORDERS = "https://orders.example";

const SPEC_V1 = `openapi: 3.0.3
info: { title: Catalog, version: "1" }
paths:
  /health:
    get: { summary: Health check, responses: { "200": { description: ok } } }
  /products:
    get: { summary: List products, responses: { "200": { description: ok } } }
    post: { operationId: createProduct, responses: { "201": { description: ok } } }
  /products/{productId}:
    get: { responses: { "200": { description: ok } } }
`;

// Replacement: drops POST /products, adds GET /categories.
const SPEC_V2 = `openapi: 3.0.3
info: { title: Catalog, version: "2" }
paths:
  /health:
    get: { summary: Health check, responses: { "200": { description: ok } } }
  /products:
    get: { summary: List products, responses: { "200": { description: ok } } }
  /products/{productId}:
    get: { responses: { "200": { description: ok } } }
  /categories:
    get: { summary: List categories, responses: { "200": { description: ok } } }
`;

const app = (name: string, apis: string) =>
  `${API_HEADER("Application", name)}spec:\n  type: m2m\n  apis:\n${apis}`;

/** `spec` null: no OpenApiSource. */
function tenantFiles(spec: string | null = SPEC_V1): Record<string, string> {
  const docs = [
    `${API_HEADER("Api", "management")}spec:\n  audience: ${MANAGEMENT}\n  displayName: Management\n  scopes: [{ name: "read:apis" }, { name: "read:users" }]\n`,
    // get:health is listed by hand and in the spec: the import reports it as a duplicate, it stays manual.
    `${API_HEADER("Api", "catalog")}spec:\n  audience: ${CATALOG}\n  displayName: Catalog API\n  scopes: [{ name: "get:health", description: "Health, by hand" }]\n`,
    `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  displayName: Orders API\n  scopes:\n    - { name: "read:orders", description: "Read orders" }\n    - { name: "write:orders", description: "Write orders" }\n`,
    // Grants a generated scope, so only while the spec is there.
    `${API_HEADER("Role", "support")}spec:\n  displayName: Support\n  scopes:\n    orders: ["read:orders"]\n${spec === null ? "" : `    catalog: ["get:products"]\n`}`,
    `${API_HEADER("Role", "auditor")}spec:\n  displayName: Auditor\n  scopes:\n    orders: ["read:orders"]\n`,
    `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n  name: Alice\n  roles: [support, auditor]\n  additionalScopes:\n    orders: ["write:orders"]\n`,
    `${API_HEADER("User", "bob")}spec:\n  email: bob@example.com\n  disabled: true\n`,
    app("dashboard", `    management: { scopes: ["read:apis", "read:users"] }\n`),
    app("apis-reader", `    management: { scopes: ["read:apis"] }\n`),
    app("orders-client", `    orders: { scopes: all }\n`),
  ];
  const files: Record<string, string> = { "tenant.yaml": docs.join("---\n") };
  if (spec !== null) {
    files["openapi.yaml"] =
      `${API_HEADER("OpenApiSource", "catalog-spec")}spec:\n  api: catalog\n  file: catalog.openapi.yaml\n`;
    files["catalog.openapi.yaml"] = spec;
  }
  return files;
}

async function tokenFor(tenant: ServedTenant, name: string, audience: string): Promise<string> {
  const secret = tenant.secrets.get(name) ?? assert.fail(`no secret for ${name}`);
  const res = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", audience },
    { authorization: basic(name, secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

async function get(
  tenant: ServedTenant,
  route: string,
  token?: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${tenant.url}${route}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function view(tenant: ServedTenant, route: string, token: string): Promise<Record<string, unknown>> {
  const res = await get(tenant, route, token);
  assert.equal(res.status, 200, `${route}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return res.body;
}

type ScopeView = { name: string; description: string; source: string; openApiSource?: string };
type ApiView = {
  name: string;
  audience: string;
  displayName: string;
  openApiSource?: string;
  scopes: ScopeView[];
};
type HistoryView = {
  action: string;
  source: string;
  file: { path: string; sha256: string; size: number };
  revision: number;
  commit: string | null;
  time: string;
  log: { action: string; scope: string; duplicateOf?: unknown }[];
};

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const actions = (log: HistoryView["log"]) => log.map((entry) => `${entry.action} ${entry.scope}`).sort();

describe("management views", () => {
  test("GET /v1/apis lists every Api with its scopes marked manual or openapi", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "dashboard", MANAGEMENT);
    const { apis } = (await view(tenant, "/v1/apis", token)) as { apis: ApiView[] };
    assert.deepEqual(apis.map((a) => a.name).sort(), ["catalog", "management", "orders"]);
    const catalog = apis.find((a) => a.name === "catalog") ?? assert.fail("no catalog");
    assert.equal(catalog.audience, CATALOG);
    assert.equal(catalog.displayName, "Catalog API");
    assert.equal(catalog.openApiSource, "catalog-spec");
    assert.deepEqual(catalog.scopes, [
      { name: "get:health", description: "Health, by hand", source: "manual" },
      {
        name: "get:products",
        description: "List products",
        source: "openapi",
        openApiSource: "catalog-spec",
      },
      {
        name: "get:products_productid",
        description: "GET /products/{productId}",
        source: "openapi",
        openApiSource: "catalog-spec",
      },
      {
        name: "post:products",
        description: "createProduct",
        source: "openapi",
        openApiSource: "catalog-spec",
      },
    ]);
    const orders = apis.find((a) => a.name === "orders") ?? assert.fail("no orders");
    assert.equal("openApiSource" in orders, false);
    assert.deepEqual(
      orders.scopes.map((s) => [s.name, s.source]),
      [
        ["read:orders", "manual"],
        ["write:orders", "manual"],
      ],
    );
    // The read:apis permission alone is enough.
    const reader = await tokenFor(tenant, "apis-reader", MANAGEMENT);
    assert.deepEqual(await view(tenant, "/v1/apis", reader), { total: apis.length, apis });
  });

  test("GET /v1/apis/:name is one Api's view", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "dashboard", MANAGEMENT);
    const { apis } = (await view(tenant, "/v1/apis", token)) as { apis: ApiView[] };
    for (const name of ["catalog", "orders", "management"]) {
      assert.deepEqual(
        await view(tenant, `/v1/apis/${name}`, token),
        apis.find((a) => a.name === name),
      );
    }
  });

  test("GET /v1/apis/:name/openapi: the active file and a history of uploads, replacements and deletions", async (t) => {
    const tenant = await serveTenant(t, tenantFiles(SPEC_V1));
    const token = await tokenFor(tenant, "dashboard", MANAGEMENT);

    const first = await view(tenant, "/v1/apis/catalog/openapi", token);
    assert.equal(first.api, "catalog");
    assert.equal(first.source, "catalog-spec");
    assert.equal(first.generatedScopes, 3);
    const active = first.active as Record<string, unknown>;
    assert.equal(active.path, "catalog.openapi.yaml");
    assert.equal(active.sha256, sha256(SPEC_V1));
    assert.equal(active.size, Buffer.byteLength(SPEC_V1));
    assert.equal(active.commit, null);
    assert.ok(!Number.isNaN(Date.parse(String(active.time))));
    const [upload, ...older] = first.history as HistoryView[];
    assert.deepEqual(older, []);
    assert.ok(upload);
    assert.equal(upload.action, "upload");
    assert.equal(upload.source, "catalog-spec");
    assert.equal(upload.file.sha256, sha256(SPEC_V1));
    assert.deepEqual(actions(upload.log), [
      "created get:products",
      "created get:products_productid",
      "created post:products",
      "duplicate get:health",
    ]);
    assert.deepEqual(upload.log.find((e) => e.action === "duplicate")?.duplicateOf, { manual: true });

    // A replacement import: one scope added, one removed, the rest reported as duplicates.
    const replaced = await tenant.apply(tenantFiles(SPEC_V2));
    await tenant.served(replaced);
    const second = await view(tenant, "/v1/apis/catalog/openapi", token);
    assert.equal((second.active as { sha256: string }).sha256, sha256(SPEC_V2));
    assert.equal(second.generatedScopes, 3);
    const [replace, previous] = second.history as HistoryView[];
    assert.equal((second.history as unknown[]).length, 2);
    assert.equal(replace?.action, "replace");
    assert.ok(replace && previous && replace.revision > previous.revision);
    assert.deepEqual(previous, upload);
    const log = actions(replace?.log ?? []);
    assert.ok(log.includes("created get:categories"), log.join(", "));
    assert.ok(log.includes("removed post:products"), log.join(", "));
    assert.ok(log.includes("duplicate get:health"), log.join(", "));
    assert.equal(log.filter((entry) => entry.startsWith("created")).length, 1, log.join(", "));
    const catalog = (await view(tenant, "/v1/apis/catalog", token)) as unknown as ApiView;
    assert.deepEqual(
      catalog.scopes.map((s) => `${s.name} ${s.source}`),
      [
        "get:categories openapi",
        "get:health manual",
        "get:products openapi",
        "get:products_productid openapi",
      ],
    );

    // Removing the OpenApiSource: only its scopes go; the page has no active file, and says so.
    const removed = await tenant.apply(tenantFiles(null));
    await tenant.served(removed);
    const third = await view(tenant, "/v1/apis/catalog/openapi", token);
    assert.equal(third.source, null);
    assert.equal(third.active, null);
    assert.equal(third.generatedScopes, 0);
    const [deletion] = third.history as HistoryView[];
    assert.equal((third.history as unknown[]).length, 3);
    assert.equal(deletion?.action, "delete");
    assert.equal(deletion?.file.sha256, sha256(SPEC_V2));
    assert.deepEqual((await view(tenant, "/v1/apis/catalog", token)).scopes, [
      { name: "get:health", description: "Health, by hand", source: "manual" },
    ]);

    // An Api that never had a source: an empty page.
    const orders = await view(tenant, "/v1/apis/orders/openapi", token);
    assert.deepEqual(orders, {
      api: "orders",
      source: null,
      uploads: false,
      active: null,
      generatedScopes: 0,
      history: [],
    });
  });

  test("GET /v1/users and /v1/users/:name/scopes: effective scopes with their sources", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "dashboard", MANAGEMENT);
    const { users } = (await view(tenant, "/v1/users", token)) as { users: Record<string, unknown>[] };
    assert.deepEqual(users.map((u) => [u.name, u.email, u.disabled]).sort(), [
      ["alice", "alice@example.com", false],
      ["bob", "bob@example.com", true],
    ]);
    assert.deepEqual(users.find((u) => u.name === "alice")?.roles, ["auditor", "support"]);

    const alice = await view(tenant, "/v1/users/alice/scopes", token);
    assert.equal(alice.user, "alice");
    assert.equal(alice.email, "alice@example.com");
    assert.equal(alice.disabled, false);
    const scopes = alice.scopes as { api: string; scope: string; sources: string[] }[];
    assert.deepEqual(
      scopes.map((s) => [s.api, s.scope, [...s.sources].sort()]),
      [
        ["catalog", "get:products", ["role support"]],
        ["orders", "read:orders", ["role auditor", "role support"]],
        ["orders", "write:orders", ["additional"]],
      ],
    );
    const bob = await view(tenant, "/v1/users/bob/scopes", token);
    assert.deepEqual(bob.scopes, []);
    assert.equal(bob.disabled, true);
  });
});

describe("management view errors", () => {
  test("no token: 401 with a Bearer challenge", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    for (const route of [
      "/v1/apis",
      "/v1/apis/catalog",
      "/v1/apis/catalog/openapi",
      "/v1/users",
      "/v1/users/alice/scopes",
    ]) {
      const res = await get(tenant, route);
      assert.equal(res.status, 401, route);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="scopectl"');
      assert.equal(res.body.apis, undefined);
    }
    // Not a bearer token at all.
    const res = await fetch(`${tenant.url}/v1/apis`, {
      headers: { authorization: basic("dashboard", tenant.secrets.get("dashboard") ?? "") },
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="scopectl"/);
  });

  test("a token for another audience, or not a token of this server: 401 invalid_token", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const orders = await tokenFor(tenant, "orders-client", ORDERS);
    for (const token of [orders, "not.a.token", `${orders.slice(0, -4)}AAAA`]) {
      const res = await get(tenant, "/v1/apis", token);
      assert.equal(res.status, 401);
      assert.equal(res.body.error, "invalid_token");
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer realm="scopectl"/);
      assert.match(challenge, /error="invalid_token"/);
    }
  });

  test("a token of an application disabled since is refused", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "apis-reader", MANAGEMENT);
    await view(tenant, "/v1/apis", token);
    const files = tenantFiles();
    files["tenant.yaml"] = (files["tenant.yaml"] ?? "").replace(
      `    management: { scopes: ["read:apis"] }\n`,
      `    management: { scopes: ["read:apis"] }\n  disabled: true\n`,
    );
    await tenant.served(await tenant.apply(files));
    const res = await get(tenant, "/v1/apis", token);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, "invalid_token");
  });

  test("a token without read:users calling /v1/users: 403 insufficient_scope", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "apis-reader", MANAGEMENT);
    for (const route of ["/v1/users", "/v1/users/alice/scopes"]) {
      const res = await get(tenant, route, token);
      assert.equal(res.status, 403, route);
      assert.equal(res.body.error, "insufficient_scope");
      assert.match(String(res.body.error_description), /read:users/);
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer realm="scopectl"/);
      assert.match(challenge, /error="insufficient_scope"/);
      assert.equal(res.body.users, undefined);
    }
  });

  test("/v1/sync: 404 before any git sync, then the status the loop saved; read:apis, bearer only", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "apis-reader", MANAGEMENT);
    const none = await get(tenant, "/v1/sync", token);
    assert.equal(none.status, 404);
    assert.match(String(none.body.error_description), /no git sync has run/);
    const status: SyncStatus = {
      state: "Failed",
      repo: "https://git.example/tenant.git",
      branch: "main",
      path: "config",
      head: "b".repeat(40),
      lastApplied: {
        sha: "a".repeat(40),
        subject: "good",
        author: "A <a@x>",
        time: "2030-01-01T00:00:00.000Z",
        revision: 3,
      },
      lastAttempted: {
        sha: "b".repeat(40),
        subject: "bad",
        author: "A <a@x>",
        time: "2030-01-01T00:01:00.000Z",
        error: "boom",
      },
      error: "boom",
      drift: [],
      checkedAt: "2030-01-01T00:01:00.000Z",
    };
    await tenant.store.saveSyncStatus(status);
    // No sync loop runs against this store: none leads.
    assert.deepEqual(await view(tenant, "/v1/sync", token), { ...status, leader: null });
    assert.equal((await get(tenant, "/v1/sync")).status, 401);
  });

  test("an unknown Api or user: 404 with a did-you-mean", async (t) => {
    const tenant = await serveTenant(t, tenantFiles());
    const token = await tokenFor(tenant, "dashboard", MANAGEMENT);
    for (const route of ["/v1/apis/catalgo", "/v1/apis/catalgo/openapi"]) {
      const res = await get(tenant, route, token);
      assert.equal(res.status, 404, route);
      assert.equal(res.body.error, "not_found");
      assert.match(String(res.body.error_description), /no Api "catalgo"; did you mean "catalog"\?/);
    }
    const user = await get(tenant, "/v1/users/alise/scopes", token);
    assert.equal(user.status, 404);
    assert.match(String(user.body.error_description), /no user "alise"; did you mean "alice"\?/);
    const far = await get(tenant, "/v1/apis/zzzzzzzz", token);
    assert.equal(far.status, 404);
    assert.doesNotMatch(String(far.body.error_description), /did you mean/);
  });
});

describe("the project's config/ folder, served", () => {
  test("ops-dashboard reads the catalog's import page and alice's scopes", async (t) => {
    const root = path.join(REPO_ROOT, "config");
    const files: Record<string, string> = {};
    for (const name of await readdir(root)) {
      if (!name.endsWith(".yaml")) continue;
      // The spec moves next to the manifests (the test tenant folder is flat).
      files[name] = (await readFile(path.join(root, name), "utf8")).replace(
        "file: specs/catalog.openapi.yaml",
        "file: catalog.openapi.yaml",
      );
    }
    const spec = await readFile(path.join(root, "specs", "catalog.openapi.yaml"), "utf8");
    files["catalog.openapi.yaml"] = spec;
    const tenant = await serveTenant(t, files);
    const token = await tokenFor(tenant, "ops-dashboard", MANAGEMENT);

    const page = await view(tenant, "/v1/apis/catalog/openapi", token);
    assert.equal(page.source, "catalog-spec");
    assert.equal((page.active as { sha256: string }).sha256, sha256(spec));
    assert.equal((page.active as { size: number }).size, Buffer.byteLength(spec));
    const [upload] = page.history as HistoryView[];
    assert.equal(upload?.action, "upload");
    assert.ok(actions(upload?.log ?? []).includes("duplicate get:health"));

    const catalog = (await view(tenant, "/v1/apis/catalog", token)) as unknown as ApiView;
    assert.equal(catalog.scopes.find((s) => s.name === "get:health")?.source, "manual");
    assert.equal(catalog.scopes.find((s) => s.name === "get:products")?.source, "openapi");

    const alice = await view(tenant, "/v1/users/alice/scopes", token);
    const sourcesOf = (api: string, scope: string) =>
      (alice.scopes as { api: string; scope: string; sources: string[] }[]).find(
        (s) => s.api === api && s.scope === scope,
      )?.sources;
    assert.deepEqual(sourcesOf("orders", "write:orders"), ["additional"]);
    assert.deepEqual(sourcesOf("orders", "read:orders"), ["role support-agent"]);
  });
});
