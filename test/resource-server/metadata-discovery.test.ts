/**
 * Issue 16, acceptance 3: the RFC 9728 metadata document is accepted by a real client, oauth4webapi: its
 * resource discovery finds the document from the resource identifier alone (the API's audience,
 * `https://api.example.com/catalog`; the client's fetch is pointed at the API on loopback), and its
 * protected-resource request parses our 401 and 403 challenges, whose `resource_metadata` it follows.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import express from "express";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { resourceServer } from "../../src/resource-server/express.ts";
import { REPO_ROOT } from "../support/cli.ts";

const ISSUER = "https://auth.example.com";
const RESOURCE = "https://api.example.com/catalog";

let server: Server | undefined;
let origin = "";
let sign: (scope: string) => Promise<string>;

/** oauth4webapi's fetch, sent to the API on loopback whatever host the URL names (no network in tests). */
const toLoopback = {
  [oauth.customFetch]: (url: string, init: RequestInit) => {
    const target = new URL(url);
    return fetch(`${origin}${target.pathname}${target.search}`, init);
  },
};

describe("RFC 9728 metadata with oauth4webapi", { timeout: 60_000 }, () => {
  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "ES256" };
    sign = (scope) =>
      new SignJWT({ scope, client_id: "c", sub: "c", jti: randomUUID() })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k" })
        .setIssuer(ISSUER)
        .setAudience(RESOURCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    const app = express();
    app.use(
      await resourceServer({
        issuer: ISSUER,
        audience: RESOURCE,
        spec: path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml"),
        keys: { keys: [jwk] },
        name: "Catalog API",
      }),
    );
    app.all("/{*rest}", (_req, res) => {
      res.json({ ok: true });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test("resource discovery from the resource identifier: the document and its fields", async () => {
    const response = await oauth.resourceDiscoveryRequest(new URL(RESOURCE), toLoopback);
    const metadata = await oauth.processResourceDiscoveryResponse(new URL(RESOURCE), response);
    assert.equal(metadata.resource, RESOURCE);
    assert.deepEqual(metadata.authorization_servers, [ISSUER]);
    assert.deepEqual(metadata.bearer_methods_supported, ["header"]);
    assert.equal(metadata.resource_name, "Catalog API");
    assert.ok(metadata.scopes_supported?.includes("get:products_productid"));
    assert.equal(metadata.scopes_supported?.length, 13);
  });

  test("the client refuses a document for another resource (the check we must pass is real)", async () => {
    const response = await oauth.resourceDiscoveryRequest(new URL(RESOURCE), toLoopback);
    await assert.rejects(
      oauth.processResourceDiscoveryResponse(new URL("https://api.example.com/orders"), response),
      /does not match the expected value/,
    );
  });

  test("the client parses the 401 and 403 challenges and follows resource_metadata", async () => {
    const challengeOf = async (token: string) => {
      try {
        await oauth.protectedResourceRequest(
          token,
          "GET",
          new URL(`${RESOURCE}/products`),
          new Headers(),
          null,
          toLoopback,
        );
      } catch (error) {
        if (error instanceof oauth.WWWAuthenticateChallengeError)
          return { status: error.status, challenge: error.cause[0] };
        throw error;
      }
      return assert.fail("the request was not refused");
    };
    const unauthorized = await challengeOf("not-a-jwt");
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.challenge?.scheme, "bearer");
    assert.equal(unauthorized.challenge?.parameters.error, "invalid_token");
    const forbidden = await challengeOf(await sign("post:products"));
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.challenge?.parameters.error, "insufficient_scope");
    assert.equal(forbidden.challenge?.parameters.scope, "get:products");
    const followed = forbidden.challenge?.parameters.resource_metadata ?? assert.fail("no resource_metadata");
    const metadata = await oauth.processResourceDiscoveryResponse(
      new URL(RESOURCE),
      await toLoopback[oauth.customFetch](followed, { headers: { accept: "application/json" } }),
    );
    assert.equal(metadata.resource, RESOURCE);

    const allowed = await oauth.protectedResourceRequest(
      await sign("get:products"),
      "GET",
      new URL(`${RESOURCE}/products`),
      new Headers(),
      null,
      toLoopback,
    );
    assert.equal(allowed.status, 200);
  });
});
