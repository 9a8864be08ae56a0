/**
 * A resource server: the orders API. scopectl's middleware (`scopectl/express`) verifies the access token
 * (an RFC 9068 JWT, `typ: at+jwt`, against the issuer's JWKS: issuer, audience, expiry) and answers the
 * refusals; this file only says which scope a route needs. The orders API lists its scopes by hand (no
 * OpenAPI spec), so its route names its scope with `requireScopes`.
 *
 *   401 + WWW-Authenticate  no token, or a token that does not verify (signature, issuer, audience, expiry)
 *   403 insufficient_scope  a valid token without `read:orders`
 */
import express from "express";
import { resourceServer } from "scopectl/express";

export const REQUIRED_SCOPE = "read:orders";

const SAMPLE_ORDERS = [
  { id: "ord_1001", item: "Espresso beans, 1 kg", quantity: 2, status: "shipped" },
  { id: "ord_1002", item: "Burr grinder", quantity: 1, status: "processing" },
  { id: "ord_1003", item: "Paper filters (100)", quantity: 3, status: "delivered" },
];

/**
 * @param {{ issuer: string, audience: string, jwksUri?: string }} options the token issuer (scopectl's
 *   issuer URL) and this API's audience, as declared in its Api manifest; the JWKS defaults to
 *   `{issuer}/.well-known/jwks.json`, where scopectl serves it
 * @returns {Promise<import("express").Router>} mount it under `/api`: it serves `GET /orders`
 */
export async function createOrdersApi({ issuer, audience, jwksUri }) {
  // No spec: each route names the scopes it needs. (`app.use(api)` at the root of an app of its own would
  // also serve the RFC 9728 metadata at /.well-known/oauth-protected-resource/orders.)
  const api = await resourceServer({ issuer, audience, name: "orders", ...(jwksUri ? { jwksUri } : {}) });

  const router = express.Router();
  router.get("/orders", api.requireScopes(REQUIRED_SCOPE), (req, res) => {
    res.json({ caller: req.auth.subject, orders: SAMPLE_ORDERS });
  });
  return router;
}
