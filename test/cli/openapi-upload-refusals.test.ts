/**
 * `scopectl openapi upload`: the refusals before any network (no credentials, a wrong extension, a
 * missing file, a file over 20 MB, a --server with a password, a query or plain http elsewhere), a
 * server that is not there, and, against a small Express stub, what the real server never does: a
 * token endpoint elsewhere over http, answers echoing the credentials (masked), no answer at all (the
 * --timeout), not a scopectl server, a redirect, a 503. The real server's answers: openapi-upload.test.ts.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, truncate } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import express, { type Express } from "express";
import { SPEC_V1 } from "../support/management-tenant.ts";
import { freePort } from "../support/net.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { type UploadRun as Run, runUpload, writeSpec } from "../support/upload-cli.ts";

const TEST_TIMEOUT_MS = 120_000;

let dir = "";
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-upload-refusals-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const specFile = (name: string, content: string) => writeSpec(dir, name, content);
const upload = (args: readonly string[], run: Run) => runUpload(dir, args, run);

describe("scopectl openapi upload: refusals before the network", { timeout: SUITE_TIMEOUT_MS }, () => {
  /** A port nothing listens on: any connection attempt would fail as unreachable, not as these. */
  let closed = "";
  before(async () => {
    closed = `http://127.0.0.1:${await freePort()}`;
  });
  const creds = { clientId: "ci", secret: "scs_a-secret-that-must-never-be-printed-000" };

  test("missing credentials name both variables", { timeout: TEST_TIMEOUT_MS }, async () => {
    const spec = await specFile("c.yaml", SPEC_V1);
    const none = await upload([spec, "--api", "orders"], { server: closed });
    assert.equal(none.status, 1);
    assert.match(
      none.stderr,
      /^error: SCOPECTL_CLIENT_ID and SCOPECTL_CLIENT_SECRET are not set: set SCOPECTL_CLIENT_ID and SCOPECTL_CLIENT_SECRET to the client id and secret of an m2m Application/m,
    );
    const noSecret = await upload([spec, "--api", "orders"], { server: closed, clientId: "ci" });
    assert.match(noSecret.stderr, /^error: SCOPECTL_CLIENT_SECRET is not set: /m);
    const json = await upload([spec, "--api", "orders", "--json"], { server: closed });
    assert.equal(JSON.parse(json.stdout).code, "option.invalid");
  });

  test("a wrong extension, a missing file and a file over 20 MB (sparse) are refused locally", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const text = await specFile("spec.txt", SPEC_V1);
    const wrong = await upload([text, "--api", "orders"], { server: closed, ...creds });
    assert.equal(wrong.status, 1);
    assert.match(
      wrong.stderr,
      /^error: spec\.txt: the spec must be a \.json, \.yaml or \.yml file, not \.txt$/m,
    );

    const missing = await upload(["nope.yaml", "--api", "orders"], { server: closed, ...creds });
    assert.match(missing.stderr, /^error: nope\.yaml: the spec does not exist$/m);

    const big = await specFile("big.yaml", "");
    await truncate(path.join(dir, big), 21 * 1024 * 1024);
    const tooLarge = await upload([big, "--api", "orders"], { server: closed, ...creds });
    assert.equal(tooLarge.status, 1);
    assert.match(
      tooLarge.stderr,
      /^error: big\.yaml: the spec is 21\.0 MB, over the 20\.0 MB limit of an upload$/m,
    );
    assert.doesNotMatch(tooLarge.stderr, /reach/, "refused before any connection");
  });

  test("a --server with credentials, a query or plain http to another host is refused without echoing a password", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const spec = await specFile("s.yaml", SPEC_V1);
    const withPassword = await upload([spec, "--api", "orders"], {
      ...creds,
      server: "https://ci:hunter2-password@auth.example.com",
    });
    assert.equal(withPassword.status, 1);
    assert.match(
      withPassword.stderr,
      /^error: --server "https:\/\/\*\*\*@auth\.example\.com" carries a user name or password;/m,
    );
    assert.doesNotMatch(withPassword.stderr, /hunter2/);
    const query = await upload([spec, "--api", "orders"], {
      ...creds,
      server: "https://auth.example.com/?x=1",
    });
    assert.match(query.stderr, /has a query or a fragment/);
    const http = await upload([spec, "--api", "orders"], { ...creds, server: "http://auth.example.com" });
    assert.match(http.stderr, /uses http on "auth\.example\.com", which is not a loopback host/);
  });

  test("a server that is not there: a clear error, exit 1", { timeout: TEST_TIMEOUT_MS }, async () => {
    const spec = await specFile("u.yaml", SPEC_V1);
    const result = await upload([spec, "--api", "orders"], { server: closed, ...creds });
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^error: discovery \(GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration\) could not reach the server: connect ECONNREFUSED 127\.0\.0\.1:\d+$/m,
    );
    const json = await upload([spec, "--api", "orders", "--json"], { server: closed, ...creds });
    assert.equal(JSON.parse(json.stdout).code, "remote.unreachable");
  });
});

/** An Express app on an ephemeral loopback port, closed (connections too) after the test. */
async function stub(
  t: TestContext,
  routes: (app: Express, url: string) => void,
): Promise<{ url: string; hits: string[] }> {
  const app = express();
  const hits: string[] = [];
  app.use((req, _res, next) => {
    hits.push(`${req.method} ${req.path}`);
    next();
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes(app, url);
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, hits };
}

/** The discovery document of a stub whose token endpoint is `tokenEndpoint`. */
const discovery = (issuer: string, tokenEndpoint = `${issuer}/oauth2/token`) => ({
  issuer,
  token_endpoint: tokenEndpoint,
});

describe("scopectl openapi upload against a stub: what the real server never does", {
  timeout: SUITE_TIMEOUT_MS,
}, () => {
  const secret = "scs_the-stub-must-never-see-this-printed-0123456789";
  const run = (server: string, extra: Partial<Run> = {}): Run => ({
    server,
    clientId: "ci",
    secret,
    ...extra,
  });

  test("a token endpoint on another origin over http gets no credentials", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const elsewhere = await stub(t, (app) => {
      app.post("/oauth2/token", (_req, res) => {
        res.json({ access_token: "x", token_type: "Bearer" });
      });
    });
    const foreign = elsewhere.url.replace("127.0.0.1", "localhost");
    const service = await stub(t, (app, url) => {
      app.get("/.well-known/openid-configuration", (_req, res) => {
        res.json(discovery(url, `${foreign}/oauth2/token`));
      });
    });
    const spec = await specFile("f.yaml", SPEC_V1);
    const result = await upload([spec, "--api", "orders"], run(service.url));
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /token_endpoint http:\/\/localhost:\d+\/oauth2\/token is on another origin than --server \(http:\/\/127\.0\.0\.1:\d+\) and not https: the client secret is not sent there/,
    );
    assert.deepEqual(elsewhere.hits, [], "the foreign endpoint was never called");
  });

  test("a token endpoint and an upload that echo the credentials: the secret and the token are masked", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl";
    let basic = "";
    let contentType = "";
    let query = "";
    const service = await stub(t, (app, url) => {
      app.get("/.well-known/openid-configuration", (_req, res) => {
        res.json(discovery(url));
      });
      app.post("/oauth2/token", express.urlencoded({ extended: false }), (req, res) => {
        basic = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ""), "base64").toString();
        if (
          req.body.audience !== `${url}/v1` ||
          req.body.scope !== undefined ||
          req.body.grant_type !== "client_credentials"
        ) {
          res.status(400).json({ error: "invalid_request", error_description: JSON.stringify(req.body) });
          return;
        }
        res.json({ access_token: token, token_type: "Bearer" });
      });
      app.put("/v1/apis/:api/openapi", (req, res) => {
        contentType = String(req.headers["content-type"]);
        query = JSON.stringify(req.query);
        res.status(400).json({
          error: "invalid_request",
          error_description: `you sent ${req.headers.authorization} and ${secret}`,
        });
      });
    });
    const spec = await specFile("e.json", JSON.stringify({ openapi: "3.0.3" }));
    const result = await upload([spec, "--api", "a b/c", "--dry-run"], run(service.url));
    assert.equal(result.status, 1);
    // RFC 6749 §2.3.1: each part form-urlencoded, then joined.
    assert.equal(basic, `ci:${secret}`);
    assert.equal(contentType, "application/json");
    assert.equal(query, JSON.stringify({ dryRun: "true" }));
    assert.match(
      result.stderr,
      /to Api "a b\/c" \(400 invalid_request: you sent Bearer \*\*\* and \*\*\*\)$/m,
    );
  });

  test("a server that never answers: a clear error after --timeout, exit 1", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const service = await stub(t, (app) => {
      app.get("/.well-known/openid-configuration", () => {
        // never answers
      });
    });
    const spec = await specFile("h.yaml", SPEC_V1);
    const result = await upload([spec, "--api", "orders", "--timeout", "1"], run(service.url));
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^error: discovery \(GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration\) got no answer within 1 s \(--timeout\)$/m,
    );
  });

  test("not a scopectl server, a redirect, or a server that is unavailable: a clear error, exit 1", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const other = await stub(t, () => {});
    const spec = await specFile("n.yaml", SPEC_V1);
    const notScopectl = await upload([spec, "--api", "orders"], run(other.url));
    assert.equal(notScopectl.status, 1);
    assert.match(
      notScopectl.stderr,
      /did not answer an OpenID Connect discovery document \(HTTP 404\): is --server the scopectl token service's base URL \(its issuer, e\.g\. https:\/\/auth\.example\.com\)\?$/m,
    );

    const redirecting = await stub(t, (app) => {
      app.get("/.well-known/openid-configuration", (_req, res) => {
        res.redirect(302, "https://elsewhere.example/.well-known/openid-configuration");
      });
    });
    const redirected = await upload([spec, "--api", "orders"], run(redirecting.url));
    assert.equal(redirected.status, 1);
    assert.match(
      redirected.stderr,
      /^error: discovery \(GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration\) was answered with a redirect \(302\); scopectl does not follow it/m,
    );

    const down = await stub(t, (app, url) => {
      app.get("/.well-known/openid-configuration", (_req, res) => {
        res.json(discovery(url));
      });
      app.post("/oauth2/token", (_req, res) => {
        res.json({ access_token: "opaque", token_type: "bearer" });
      });
      app.put("/v1/apis/:api/openapi", (_req, res) => {
        res
          .status(503)
          .json({ error: "temporarily_unavailable", error_description: "the store is unreachable" });
      });
    });
    const unavailable = await upload([spec, "--api", "orders"], run(down.url));
    assert.equal(unavailable.status, 1);
    assert.match(
      unavailable.stderr,
      /^error: the upload was answered 503 temporarily_unavailable: the store is unreachable: the service is unavailable; retry later$/m,
    );
  });
});
