/**
 * What bench/resource-server's processes share: the catalog spec and the request every run measures, an
 * RFC 9068 access token for it (typ at+jwt; iss, aud, exp, iat, sub, client_id, jti, scope) signed by a
 * key made for this run, the JWKS that verifies it (written to a file the server processes read), and
 * the verification options the baseline passes to jose: the same claims checks the library makes
 * (access-tokens.ts), so that the ratio is what the library adds around `jwtVerify`, nothing else.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import { DEFAULT_ALGORITHMS } from "../../src/resource-server/access-tokens.ts";
import { root } from "../token/harness.ts";

export const CATALOG_SPEC = path.join(root, "config/specs/catalog.openapi.yaml");
/** Never fetched: every key set in this bench is local. */
export const ISSUER = "https://issuer.bench.example";
export const AUDIENCE = "https://api.example.com/catalog";
/** The request measured: `GET /products/{productId}` under the spec's `/catalog` base path. */
export const REQUEST_PATH = "/catalog/products/p-1042";
export const REQUIRED_SCOPE = "get:products_productid";
export const ALG = process.env.BENCH_ALG ?? "RS256";

/** What the baseline asks jose to check: what access-tokens.ts asks, with its defaults. */
export const VERIFY_OPTIONS = {
  issuer: ISSUER,
  audience: AUDIENCE,
  typ: "at+jwt",
  clockTolerance: 5,
  algorithms: DEFAULT_ALGORITHMS,
  requiredClaims: ["exp", "iat", "sub", "client_id", "jti"],
};

/** A fresh key pair; its public half as a JWKS, and the token for `scopes`, valid for an hour. */
export async function signedToken(
  scopes: readonly string[],
): Promise<{ jwks: JSONWebKeySet; token: string }> {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" };
  const token = await new SignJWT({ client_id: "bench-client", scope: scopes.join(" ") })
    .setProtectedHeader({ alg: ALG, kid, typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject("bench-user")
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
  return { jwks: { keys: [jwk] }, token };
}

export function readJwks(file: string): JSONWebKeySet {
  return JSON.parse(readFileSync(file, "utf8")) as JSONWebKeySet;
}

/** The bare check, by hand: the scope claim split on spaces, the route's scope looked for in it. */
export function holdsScope(payload: Readonly<Record<string, unknown>>, scope: string): boolean {
  return typeof payload.scope === "string" && payload.scope.split(" ").includes(scope);
}
