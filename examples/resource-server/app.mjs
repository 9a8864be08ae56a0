/**
 * The catalog API of config/ as an Express app, protected by scopectl's middleware and nothing else: the
 * middleware reads the same OpenAPI spec the catalog's OpenApiSource imports
 * (config/specs/catalog.openapi.yaml), matches each request to its operation, and requires the scope
 * scopectl generated for it (`POST /catalog/products` → `post:products`). The handlers below check no
 * scope: a request reaches one only when its token or API key holds the operation's scope.
 *
 *   401 + WWW-Authenticate   no credential, or one that does not verify (signature, issuer, audience, expiry)
 *   403 insufficient_scope   a valid credential without the operation's scope (the challenge names it)
 *   404                      a request that is no operation of the spec
 *
 * The spec's server URL is https://api.example.com/catalog, so the operations are served under /catalog;
 * the RFC 9728 metadata is at /.well-known/oauth-protected-resource/catalog.
 */
import { fileURLToPath } from "node:url";
import express from "express";
import { resourceServer } from "scopectl/express";

/** The catalog Api's audience, as config/apis.yaml declares it. */
export const CATALOG_AUDIENCE = "https://api.example.com/catalog";
/** The spec, found from this file, so the example runs from any working directory. */
export const CATALOG_SPEC = fileURLToPath(
  new URL("../../config/specs/catalog.openapi.yaml", import.meta.url),
);

const PAGE_SIZE = 2;
const PRODUCT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const CATEGORIES = [
  { id: "coffee", name: "Coffee" },
  { id: "equipment", name: "Brewing equipment" },
];
const PRODUCTS = [
  { id: "burr-grinder", name: "Burr grinder", priceCents: 8900, categoryId: "equipment" },
  { id: "espresso-beans", name: "Espresso beans, 1 kg", priceCents: 2400, categoryId: "coffee" },
  { id: "paper-filters", name: "Paper filters (100)", priceCents: 450, categoryId: "equipment" },
];
const INVENTORY = {
  "burr-grinder": { "berlin-1": 4 },
  "espresso-beans": { "berlin-1": 40, "lyon-2": 12 },
  "paper-filters": { "berlin-1": 300 },
};
/** Stock counted in a warehouse bin that differs from the books, waiting for approval. */
const ADJUSTMENTS = [
  { warehouseId: "berlin-1", binId: "a-07", adjustmentId: "adj-1", productId: "espresso-beans", delta: -2 },
];

/**
 * @param {{
 *   issuer: string,
 *   clientSecret: string,
 *   clientId?: string,
 *   audience?: string,
 *   jwksUri?: string,
 *   introspectionEndpoint?: string,
 * }} options scopectl's issuer (its tokens' `iss`); the catalog-api Application's client secret, for
 *   introspecting API keys (RFC 7662); and, when the API reaches scopectl at another address than its
 *   issuer URL (a container network, a test), where its JWKS and introspection endpoint are
 * @returns {Promise<import("express").Express>}
 */
export async function createCatalogApi(options) {
  if (!options.issuer) throw new TypeError("createCatalogApi: the issuer is required");
  if (!options.clientSecret) {
    throw new TypeError(
      "createCatalogApi: the catalog-api Application's client secret is required (npm start prints it once)",
    );
  }
  const app = express();
  app.disable("x-powered-by");
  app.use(
    await resourceServer({
      issuer: options.issuer,
      audience: options.audience ?? CATALOG_AUDIENCE,
      spec: CATALOG_SPEC,
      name: "catalog",
      ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
      apiKeys: {
        clientId: options.clientId ?? "catalog-api",
        clientSecret: options.clientSecret,
        ...(options.introspectionEndpoint ? { introspectionEndpoint: options.introspectionEndpoint } : {}),
      },
    }),
  );
  // After the middleware: a body is parsed only for a request that may make the call.
  app.use("/catalog", express.json({ limit: "16kb" }), catalogRoutes());
  app.use(answerErrors);
  return app;
}

/** The operations of the spec, over data in memory (each app its own copy). */
function catalogRoutes() {
  const products = new Map(PRODUCTS.map((p) => [p.id, { ...p }]));
  const inventory = new Map(Object.entries(INVENTORY).map(([id, stock]) => [id, { ...stock }]));
  const adjustments = new Map(
    ADJUSTMENTS.map((a) => [`${a.warehouseId}/${a.binId}/${a.adjustmentId}`, { ...a, approved: false }]),
  );
  const productOr404 = (req, res) => {
    const product = products.get(req.params.productId);
    if (!product) res.status(404).json({ error: "not_found", error_description: "no such product" });
    return product;
  };

  const router = express.Router();
  router.get("/health", (_req, res) => res.json({ status: "ok" }));

  router.get("/products", (req, res) => {
    const cursor = typeof req.query.cursor === "string" ? req.query.cursor : "";
    const sorted = [...products.values()].sort((a, b) => a.id.localeCompare(b.id));
    const page = sorted.filter((p) => p.id > cursor).slice(0, PAGE_SIZE);
    const last = page.at(-1);
    const more = last !== undefined && sorted.at(-1)?.id !== last.id;
    res.json({ products: page, ...(more ? { nextCursor: last.id } : {}) });
  });

  router.post("/products", (req, res) => {
    const { id, ...fields } = req.body ?? {};
    if (typeof id !== "string" || !PRODUCT_ID.test(id))
      return invalid(res, "id: lowercase letters, digits, -");
    const problem = problemOf(fields);
    if (problem) return invalid(res, problem);
    if (products.has(id))
      return res.status(409).json({ error: "conflict", error_description: `${id} exists` });
    // req.auth is who the middleware let through: the client of the token, or the API key's owner.
    const product = { id, ...pick(fields), createdBy: req.auth.clientId ?? req.auth.subject };
    products.set(id, product);
    inventory.set(id, {});
    res.status(201).location(`/catalog/products/${id}`).json(product);
  });

  router.get("/products/:productId", (req, res) => {
    const product = productOr404(req, res);
    if (product) res.json(product);
  });

  router.put("/products/:productId", (req, res) => {
    if (!productOr404(req, res)) return;
    const { id = req.params.productId, ...fields } = req.body ?? {};
    if (id !== req.params.productId) return invalid(res, "id: the body's id is not the path's");
    const problem = problemOf(fields);
    if (problem) return invalid(res, problem);
    const product = { id, ...pick(fields) };
    products.set(id, product);
    res.json(product);
  });

  router.delete("/products/:productId", (req, res) => {
    if (!productOr404(req, res)) return;
    products.delete(req.params.productId);
    inventory.delete(req.params.productId);
    res.status(204).end();
  });

  router.patch("/products/:productId/price", (req, res) => {
    const product = productOr404(req, res);
    if (!product) return;
    const priceCents = req.body?.priceCents;
    if (!Number.isInteger(priceCents) || priceCents < 0) return invalid(res, "priceCents: an integer ≥ 0");
    product.priceCents = priceCents;
    res.json(product);
  });

  router.get("/products/:productId/inventory", (req, res) => {
    if (!productOr404(req, res)) return;
    const stock = inventory.get(req.params.productId) ?? {};
    const warehouses = Object.entries(stock).map(([warehouseId, count]) => ({ warehouseId, count }));
    res.json({ productId: req.params.productId, warehouses });
  });

  router.get("/categories", (_req, res) => res.json({ categories: CATEGORIES }));

  router.get("/categories/:categoryId/products", (req, res) => {
    if (!CATEGORIES.some((c) => c.id === req.params.categoryId)) {
      return res.status(404).json({ error: "not_found", error_description: "no such category" });
    }
    res.json({ products: [...products.values()].filter((p) => p.categoryId === req.params.categoryId) });
  });

  router.put(
    "/warehouses/:warehouseId/bins/:binId/inventory-adjustments/:adjustmentId/approval",
    (req, res) => {
      const { warehouseId, binId, adjustmentId } = req.params;
      const adjustment = adjustments.get(`${warehouseId}/${binId}/${adjustmentId}`);
      if (!adjustment)
        return res.status(404).json({ error: "not_found", error_description: "no such adjustment" });
      if (!adjustment.approved) {
        // Approving is idempotent (a PUT): the count changes once.
        const stock = inventory.get(adjustment.productId);
        if (stock) stock[warehouseId] = Math.max(0, (stock[warehouseId] ?? 0) + adjustment.delta);
        adjustment.approved = true;
      }
      res.status(204).end();
    },
  );

  router.head("/search", (req, res) => {
    const q = typeof req.query.q === "string" ? req.query.q.toLowerCase() : "";
    const found = q !== "" && [...products.values()].some((p) => p.name.toLowerCase().includes(q));
    res.status(found ? 200 : 404).end();
  });

  router.options("/search", (_req, res) => res.status(204).set("allow", "HEAD, OPTIONS").end());
  return router;
}

/** What a body may set on a product besides its id; undefined when it is fine. */
function problemOf(fields) {
  if (typeof fields.name !== "string" || fields.name.trim() === "") return "name: a non-empty string";
  if (fields.priceCents !== undefined && (!Number.isInteger(fields.priceCents) || fields.priceCents < 0))
    return "priceCents: an integer ≥ 0";
  if (fields.categoryId !== undefined && !CATEGORIES.some((c) => c.id === fields.categoryId))
    return `categoryId: one of ${CATEGORIES.map((c) => c.id).join(", ")}`;
  return undefined;
}

function pick({ name, priceCents, categoryId }) {
  return { name, ...(priceCents !== undefined ? { priceCents } : {}), ...(categoryId ? { categoryId } : {}) };
}

function invalid(res, description) {
  res.status(400).json({ error: "invalid_request", error_description: description });
}

/** A body that is not JSON (express.json's error) and anything unexpected, as JSON rather than HTML. */
function answerErrors(err, _req, res, _next) {
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) console.error(err);
  res.status(status).json({
    error: status === 500 ? "server_error" : "invalid_request",
    error_description: status === 500 ? "the catalog API failed" : err.message,
  });
}
