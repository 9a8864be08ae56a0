/**
 * A resource server: the orders API. It trusts scopectl's access tokens (RFC 9068 JWTs, `typ: at+jwt`),
 * verified against the issuer's JWKS, and lets a caller read orders only with the `read:orders` scope.
 *
 *   401 + WWW-Authenticate  no token, or a token that does not verify (signature, issuer, audience, expiry)
 *   403 insufficient_scope  a valid token without `read:orders`
 */
import express from "express";
import { createRemoteJWKSet, jwtVerify } from "jose";

export const REQUIRED_SCOPE = "read:orders";

const SAMPLE_ORDERS = [
  { id: "ord_1001", item: "Espresso beans, 1 kg", quantity: 2, status: "shipped" },
  { id: "ord_1002", item: "Burr grinder", quantity: 1, status: "processing" },
  { id: "ord_1003", item: "Paper filters (100)", quantity: 3, status: "delivered" },
];

/**
 * @param {{ issuer: string, audience: string }} options the token issuer (scopectl's issuer URL) and
 *   this API's audience, as declared in its Api manifest
 * @returns {import("express").Router} mount it under `/api`: it serves `GET /orders`
 */
export function createOrdersApi({ issuer, audience }) {
  /** The JWKS comes from the issuer's discovery document, fetched on the first request. */
  let jwks;
  async function keys() {
    if (!jwks) {
      const res = await fetch(new URL(".well-known/openid-configuration", `${issuer.replace(/\/$/, "")}/`));
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      const { jwks_uri: jwksUri } = await res.json();
      jwks = createRemoteJWKSet(new URL(jwksUri));
    }
    return jwks;
  }

  const challenge = (fields) =>
    [
      'Bearer realm="orders"',
      ...Object.entries(fields).map(([k, v]) => `${k}="${v.replace(/["\\]/g, "")}"`),
    ].join(", ");

  const router = express.Router();
  router.get("/orders", async (req, res) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.get("authorization") ?? "");
    if (!match) {
      // RFC 6750 §3.1: a request without credentials gets the challenge and no error code.
      res.status(401).set("WWW-Authenticate", challenge({})).json({ error: "unauthorized" });
      return;
    }
    let keySet;
    try {
      keySet = await keys();
    } catch (err) {
      res
        .status(503)
        .json({ error: "temporarily_unavailable", error_description: `no signing keys: ${err.message}` });
      return;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], keySet, { issuer, audience, typ: "at+jwt" }));
    } catch (err) {
      const description = `the access token is not valid: ${err.code ?? err.message}`;
      res
        .status(401)
        .set("WWW-Authenticate", challenge({ error: "invalid_token", error_description: description }))
        .json({ error: "invalid_token", error_description: description });
      return;
    }
    const scopes = Array.isArray(payload.scp) ? payload.scp : String(payload.scope ?? "").split(" ");
    if (!scopes.includes(REQUIRED_SCOPE)) {
      const description = `this call needs the ${REQUIRED_SCOPE} scope`;
      res
        .status(403)
        .set(
          "WWW-Authenticate",
          challenge({ error: "insufficient_scope", scope: REQUIRED_SCOPE, error_description: description }),
        )
        .json({ error: "insufficient_scope", error_description: description });
      return;
    }
    res.json({ caller: payload.sub, orders: SAMPLE_ORDERS });
  });
  return router;
}
