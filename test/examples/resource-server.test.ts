/**
 * The example catalog API (examples/resource-server) against the real token service on a copy of config/:
 * nothing but `scopectl/express` stands between a request and the handlers, so a token or an API key gets
 * through exactly where it holds the scope scopectl generated for the operation.
 *
 * The tokens' `iss` is config/settings.yaml's issuer (http://localhost:8080) while the token service
 * listens on a loopback port, as behind a proxy or on a container network: the example is told where
 * the JWKS and the introspection endpoint are (its SCOPECTL_JWKS_URI and SCOPECTL_INTROSPECTION_ENDPOINT
 * settings). The example imports `scopectl/express` from dist/: run `npm run build` first.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { CATALOG_AUDIENCE, createCatalogApi } from "../../examples/resource-server/app.mjs";
import { REPO_ROOT } from "../support/cli.ts";
import { basic, postForm, type ServedTenant, serveTenant } from "../support/token-server.ts";

const TIMEOUT = { timeout: 60_000 };
const CONFIG = path.join(REPO_ROOT, "config");
const ISSUER = "http://localhost:8080";
const ORDERS = "https://api.example.com/orders";
const METADATA = "https://api.example.com/.well-known/oauth-protected-resource/catalog";
const APPROVAL = "/catalog/warehouses/berlin-1/bins/a-07/inventory-adjustments/adj-1/approval";

interface Served {
  tenant: ServedTenant;
  /** The catalog API's origin, `http://127.0.0.1:<port>`. */
  api: string;
}

/** config/'s manifests and its spec, in the test tenant's flat folder. */
async function configFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(CONFIG)) {
    if (!name.endsWith(".yaml")) continue;
    files[name] = (await readFile(path.join(CONFIG, name), "utf8")).replace(
      "file: specs/catalog.openapi.yaml",
      "file: catalog.openapi.yaml",
    );
  }
  files["catalog.openapi.yaml"] = await readFile(path.join(CONFIG, "specs", "catalog.openapi.yaml"), "utf8");
  return files;
}

/** The token service on config/ and the example API in front of it, both on loopback, closed after `t`. */
async function serveCatalog(t: TestContext): Promise<Served> {
  const tenant = await serveTenant(t, await configFiles());
  assert.equal(tenant.issuer, ISSUER, "config/settings.yaml's issuer");
  const app = await createCatalogApi({
    issuer: tenant.issuer,
    clientSecret: tenant.secrets.get("catalog-api") ?? assert.fail("no secret for catalog-api"),
    jwksUri: `${tenant.url}/.well-known/jwks.json`,
    introspectionEndpoint: `${tenant.url}/oauth2/introspect`,
  });
  const server = createServer(app);
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return { tenant, api: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function tokenFor(served: Served, client: string, audience = CATALOG_AUDIENCE): Promise<string> {
  const secret = served.tenant.secrets.get(client) ?? assert.fail(`no secret for ${client}`);
  const res = await postForm(
    `${served.tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", audience },
    { authorization: basic(client, secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

function apiKeyOf(served: Served): string {
  return served.tenant.secrets.get("warehouse-scanner") ?? assert.fail("no key for warehouse-scanner");
}

async function call(
  served: Served,
  method: string,
  route: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const res = await fetch(`${served.api}${route}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The 403 of a credential without `scope`: RFC 6750 §3 names the scope, RFC 9728 §5.1 the metadata. */
function assertInsufficientScope(res: Awaited<ReturnType<typeof call>>, scope: string): void {
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error, "insufficient_scope");
  assert.equal(res.body.scope, scope);
  const challenge = res.challenge ?? "";
  assert.match(challenge, /^Bearer realm="catalog", error="insufficient_scope", /);
  assert.ok(challenge.includes(`scope="${scope}"`), challenge);
  assert.ok(challenge.endsWith(`resource_metadata="${METADATA}"`), challenge);
}

describe("the example catalog API (examples/resource-server)", () => {
  test(
    "storefront-backend's token (every catalog scope) gets through on the operations it calls",
    TIMEOUT,
    async (t) => {
      const served = await serveCatalog(t);
      const auth = bearer(await tokenFor(served, "storefront-backend"));

      const health = await call(served, "GET", "/catalog/health", auth);
      assert.deepEqual([health.status, health.body], [200, { status: "ok" }]);

      const first = await call(served, "GET", "/catalog/products", auth);
      assert.equal(first.status, 200);
      assert.deepEqual(
        (first.body.products as { id: string }[]).map((p) => p.id),
        ["burr-grinder", "espresso-beans"],
      );
      const next = await call(served, "GET", `/catalog/products?cursor=${first.body.nextCursor}`, auth);
      assert.deepEqual(
        (next.body.products as { id: string }[]).map((p) => p.id),
        ["paper-filters"],
      );

      const created = await call(served, "POST", "/catalog/products", auth, {
        id: "moka-pot",
        name: "Moka pot",
        priceCents: 3200,
        categoryId: "equipment",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.createdBy, "storefront-backend", "the handler reads req.auth");

      const repriced = await call(served, "PATCH", "/catalog/products/moka-pot/price", auth, {
        priceCents: 2900,
      });
      assert.deepEqual([repriced.status, repriced.body.priceCents], [200, 2900]);
      const product = await call(served, "GET", "/catalog/products/moka-pot", auth);
      assert.deepEqual([product.status, product.body.name], [200, "Moka pot"]);

      const search = await fetch(`${served.api}/catalog/search?q=grinder`, { method: "HEAD", headers: auth });
      assert.equal(search.status, 200, "head:search");
      const deleted = await call(served, "DELETE", "/catalog/products/moka-pot", auth);
      assert.equal(deleted.status, 204);
      const gone = await call(served, "GET", "/catalog/products/moka-pot", auth);
      assert.equal(gone.status, 404, "the handler's own 404: the middleware let the request through");

      // A path that is no operation of the spec never reaches a handler.
      const unknown = await call(served, "GET", "/catalog/suppliers", auth);
      assert.deepEqual([unknown.status, unknown.body.error], [404, "not_found"]);
    },
  );

  test(
    "order-exporter's token (get:products and get:products_productid) gets 403 on POST /products, naming post:products",
    TIMEOUT,
    async (t) => {
      const served = await serveCatalog(t);
      const auth = bearer(await tokenFor(served, "order-exporter"));

      assert.equal((await call(served, "GET", "/catalog/products", auth)).status, 200);
      assert.equal((await call(served, "GET", "/catalog/products/espresso-beans", auth)).status, 200);

      const create = await call(served, "POST", "/catalog/products", auth, { id: "x", name: "X" });
      assertInsufficientScope(create, "post:products");
      assertInsufficientScope(
        await call(served, "GET", "/catalog/products/espresso-beans/inventory", auth),
        "get:products_productid_inventory",
      );
      const list = await call(served, "GET", "/catalog/products", auth);
      assert.equal((list.body.products as unknown[]).length, 2, "nothing was created");

      // Its token for the orders API is not one for the catalog.
      const orders = await call(
        served,
        "GET",
        "/catalog/products",
        bearer(await tokenFor(served, "order-exporter", ORDERS)),
      );
      assert.equal(orders.status, 401);
      assert.match(orders.challenge ?? "", /error="invalid_token"/);
    },
  );

  test(
    "the warehouse-scanner API key works on its two operations through X-API-Key and gets 403 elsewhere",
    TIMEOUT,
    async (t) => {
      const served = await serveCatalog(t);
      const key = { "x-api-key": apiKeyOf(served) };

      const before = await call(served, "GET", "/catalog/products/espresso-beans/inventory", key);
      assert.equal(before.status, 200, JSON.stringify(before.body));
      assert.deepEqual(before.body.warehouses, [
        { warehouseId: "berlin-1", count: 40 },
        { warehouseId: "lyon-2", count: 12 },
      ]);
      const approved = await call(served, "PUT", APPROVAL, key);
      assert.equal(approved.status, 204, JSON.stringify(approved.body));
      const after = await call(served, "GET", "/catalog/products/espresso-beans/inventory", key);
      assert.deepEqual(after.body.warehouses, [
        { warehouseId: "berlin-1", count: 38 },
        { warehouseId: "lyon-2", count: 12 },
      ]);
      // The same key as a bearer token (it starts with the key prefix) is introspected alike.
      const asBearer = await call(
        served,
        "GET",
        "/catalog/products/paper-filters/inventory",
        bearer(apiKeyOf(served)),
      );
      assert.equal(asBearer.status, 200);

      assertInsufficientScope(await call(served, "GET", "/catalog/products", key), "get:products");
      assertInsufficientScope(
        await call(served, "PATCH", "/catalog/products/espresso-beans/price", key, { priceCents: 1 }),
        "patch:products_productid_price",
      );

      const forged = await call(served, "GET", "/catalog/products/espresso-beans/inventory", {
        "x-api-key": `${apiKeyOf(served).slice(0, -4)}aaaa`,
      });
      assert.equal(forged.status, 401);
      assert.match(forged.challenge ?? "", /error="invalid_token"/);
    },
  );

  test("no credential: 401 with a challenge and no error code; the metadata is open", TIMEOUT, async (t) => {
    const served = await serveCatalog(t);
    for (const [method, route] of [
      ["GET", "/catalog/products"],
      ["POST", "/catalog/products"],
      ["PUT", APPROVAL],
    ] as const) {
      const res = await call(served, method, route);
      assert.equal(res.status, 401, `${method} ${route}`);
      // RFC 6750 §3.1: a request without credentials gets no error code.
      assert.equal(res.challenge, `Bearer realm="catalog", resource_metadata="${METADATA}"`);
    }

    const metadata = await call(served, "GET", "/.well-known/oauth-protected-resource/catalog");
    assert.equal(metadata.status, 200);
    assert.equal(metadata.body.resource, CATALOG_AUDIENCE);
    assert.deepEqual(metadata.body.authorization_servers, [ISSUER]);
    const scopes = metadata.body.scopes_supported as string[];
    assert.equal(scopes.length, 13, "one per operation of the spec");
    for (const scope of ["get:health", "post:products", "head:search", "options:search"])
      assert.ok(scopes.includes(scope), scope);
  });
});
