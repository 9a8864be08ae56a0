/**
 * Issue 16, acceptance 1: an Express API protected by `resourceServer()` over the config's catalog spec,
 * against a real `scopectl serve` process on the config's manifests (applied to a real SQLite file):
 * for every operation of the spec, a token holding its scope gets through and one without gets 403 with
 * the right WWW-Authenticate; wrong audience, expired (the API's clock moved past `exp`: the edge we may
 * mock), tampered and ID tokens get 401; API keys go through introspection, and a revoked key stops
 * working once the cache window has passed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import express from "express";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { RECONCILER } from "../../src/model/resources.ts";
import { type ResourceServerMiddleware, resourceServer } from "../../src/resource-server/express.ts";
import type { RouteOperation } from "../../src/resource-server/route-table.ts";
import { hashPassword } from "../../src/server/login/password.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { CLI_ARGV, REPO_ROOT } from "../support/cli.ts";
import { freePort } from "../support/net.ts";
import { calculatePkce } from "../support/pkce.ts";
import { signIn } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm } from "../support/token-server.ts";
import { waitFor } from "../support/wait.ts";

const CATALOG = "https://api.example.com/catalog";
const ORDERS = "https://api.example.com/orders";
const ISSUER = "http://localhost:8080"; // config/settings.yaml: the tokens' iss
const SPEC = path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml");
const PASSWORD = "correct horse battery staple";

/** The resource server's own client, for introspecting API keys. */
const INTROSPECTOR = `${API_HEADER("Application", "rs-introspector")}spec:
  type: m2m
  clientId: rs-introspector
  apis:
    catalog: { scopes: [get:health] }
`;

let root = "";
let store: Store;
let serve: ChildProcess | undefined;
let serveUrl = "";
let api: Server | undefined;
let apiUrl = "";
let middleware: ResourceServerMiddleware;
const secrets = new Map<string, string>();
/** The API's clock (for expiry and for the API key cache), in ms: real time plus `skewMs`. */
let skewMs = 0;

async function applyConfig(): Promise<number> {
  const { plan } = await planFolder(store, path.join(root, "config"));
  const result = await applyPlan(store, plan, { actor: "test", managedBy: RECONCILER });
  for (const s of result.secrets) secrets.set(s.id, s.value);
  return result.revision;
}

function secretOf(name: string): string {
  return secrets.get(name) ?? assert.fail(`no secret for ${name}`);
}

async function tokenFor(client: string, audience: string, scope?: string): Promise<string> {
  const answer = await postForm(
    `${serveUrl}/oauth2/token`,
    { grant_type: "client_credentials", audience, ...(scope ? { scope } : {}) },
    { authorization: basic(client, secretOf(client)) },
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.access_token as string;
}

/** A concrete path of an operation: each expression of its template replaced by a value. */
const concrete = (op: RouteOperation) => `/catalog${op.path.replace(/\{[^}]+\}/g, "x1")}`;

function call(method: string, p: string, headers: Record<string, string> = {}) {
  return fetch(`${apiUrl}${p}`, { method, headers });
}

function challengeOf(res: Response): string {
  return res.headers.get("www-authenticate") ?? assert.fail(`no WWW-Authenticate (${res.status})`);
}

const METADATA = "https://api.example.com/.well-known/oauth-protected-resource/catalog";

describe("resourceServer() against a real scopectl serve", { timeout: SUITE_TIMEOUT_MS }, () => {
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "scopectl-rs-"));
    await cp(path.join(REPO_ROOT, "config"), path.join(root, "config"), { recursive: true });
    await writeFile(path.join(root, "config", "rs-introspector.yaml"), INTROSPECTOR);
    const storeFile = path.join(root, "store.db");
    store = await openSqliteStore(storeFile);
    await applyConfig();
    await store.setPassword("alice", await hashPassword(PASSWORD), new Date().toISOString());

    const port = await freePort();
    serveUrl = `http://127.0.0.1:${port}`;
    let stderr = "";
    serve = spawn(
      process.execPath,
      [...CLI_ARGV, "serve", "--port", String(port), "--poll-interval", "100"],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: "1", SCOPECTL_STORE: storeFile, SCOPECTL_LOG_LEVEL: "warn" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    serve.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    await waitFor(
      "scopectl serve ready",
      async () => {
        if (serve?.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
        return (await fetch(`${serveUrl}/readyz`).catch(() => undefined))?.status === 200;
      },
      { deadlineMs: 60_000 },
    );

    middleware = await resourceServer({
      issuer: ISSUER,
      audience: CATALOG,
      spec: SPEC,
      jwksUri: `${serveUrl}/.well-known/jwks.json`,
      apiKeys: {
        clientId: "rs-introspector",
        clientSecret: secretOf("rs-introspector"),
        introspectionEndpoint: `${serveUrl}/oauth2/introspect`,
      },
      now: () => Date.now() + skewMs,
    });
    const app = express();
    app.use(middleware);
    // Handlers check nothing: every answer below is the middleware's decision.
    app.all("/{*rest}", (req, res) => {
      res.json({ operation: req.auth?.route?.operation.scope, kind: req.auth?.kind, sub: req.auth?.subject });
    });
    api = createServer(app);
    await new Promise<void>((resolve) => api?.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  after(async () => {
    api?.closeAllConnections();
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
    if (serve && serve.exitCode === null) {
      const exited = once(serve, "exit");
      serve.kill("SIGTERM");
      const force = setTimeout(() => serve?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(force);
    }
    await store?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("every operation: its scope gets through, another scope gets 403 naming it", async () => {
    const operations = middleware.server.routes?.operations ?? [];
    assert.equal(operations.length, 13);
    for (const op of operations) {
      const method = op.method.toUpperCase();
      const holder = await tokenFor("storefront-backend", CATALOG, op.scope);
      const allowed = await call(method, concrete(op), { authorization: `Bearer ${holder}` });
      assert.equal(allowed.status, 200, `${method} ${op.path} with ${op.scope}`);
      if (method !== "HEAD")
        assert.equal(((await allowed.json()) as { operation: string }).operation, op.scope);
      else await allowed.body?.cancel();

      const other = operations.find((o) => o.scope !== op.scope)?.scope ?? assert.fail("one operation only");
      const lacking = await tokenFor("storefront-backend", CATALOG, other);
      const refused = await call(method, concrete(op), { authorization: `Bearer ${lacking}` });
      assert.equal(refused.status, 403, `${method} ${op.path} without ${op.scope}`);
      const challenge = challengeOf(refused);
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, new RegExp(`scope="${op.scope}"`));
      assert.match(challenge, new RegExp(`resource_metadata="${METADATA}"`));
      await refused.body?.cancel();
    }
  });

  test("HEAD without a HEAD operation needs GET's scope", async () => {
    const get = await tokenFor("storefront-backend", CATALOG, "get:products");
    assert.equal((await call("HEAD", "/catalog/products", { authorization: `Bearer ${get}` })).status, 200);
    const post = await tokenFor("storefront-backend", CATALOG, "post:products");
    const refused = await call("HEAD", "/catalog/products", { authorization: `Bearer ${post}` });
    assert.equal(refused.status, 403);
    assert.match(challengeOf(refused), /scope="get:products"/);
  });

  test("no token: 401 with a challenge and no error code; no operation: 404", async () => {
    const bare = await call("GET", "/catalog/products");
    assert.equal(bare.status, 401);
    assert.equal(challengeOf(bare), `Bearer resource_metadata="${METADATA}"`);
    const token = await tokenFor("storefront-backend", CATALOG);
    const nowhere = await call("GET", "/catalog/nowhere", { authorization: `Bearer ${token}` });
    assert.equal(nowhere.status, 404);
    assert.equal(((await nowhere.json()) as { error: string }).error, "not_found");
  });

  test("wrong audience, expired, tampered and ID tokens: 401 invalid_token", async () => {
    const expectInvalid = async (token: string, why: RegExp) => {
      const res = await call("GET", "/catalog/products", { authorization: `Bearer ${token}` });
      assert.equal(res.status, 401, why.source);
      assert.match(challengeOf(res), /error="invalid_token"/);
      assert.match(((await res.json()) as { error_description: string }).error_description, why);
    };
    await expectInvalid(await tokenFor("order-exporter", ORDERS), /not for this API/);

    const good = await tokenFor("storefront-backend", CATALOG, "get:products");
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: "get:products post:products" })).toString(
      "base64url",
    );
    await expectInvalid(`${header}.${widened}.${signature}`, /signature does not verify/);
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    await expectInvalid(`${header}.${payload}.${flipped}`, /signature does not verify/);

    // Past exp and the 5 s tolerance on the API's clock: a real token, expired.
    skewMs = ((claims.exp as number) - Math.floor(Date.now() / 1000) + 10) * 1000;
    try {
      await expectInvalid(good, /expired/);
    } finally {
      skewMs = 0;
    }
    assert.equal((await call("GET", "/catalog/products", { authorization: `Bearer ${good}` })).status, 200);

    // An ID token of a real sign-in (alice at web-example): typ JWT and aud the client, not the API.
    const pkce = calculatePkce();
    const redirectUri = "http://localhost:3000/callback";
    const { redirect } = await signIn(serveUrl, {
      clientId: "web-example",
      redirectUri,
      scope: "openid profile",
      audience: CATALOG,
      pkce,
      password: PASSWORD,
    });
    const code = redirect.searchParams.get("code") ?? assert.fail(`no code in ${redirect}`);
    const tokens = await postForm(
      `${serveUrl}/oauth2/token`,
      { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: pkce.verifier },
      { authorization: basic("web-example", secretOf("web-example")) },
    );
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    await expectInvalid(tokens.body.id_token as string, /not an access token/);
    // Her access token for the catalog is fine where her scopes reach (the control).
    const access = tokens.body.access_token as string;
    const scopes = String(JSON.parse(Buffer.from(access.split(".")[1] ?? "", "base64url").toString()).scope);
    assert.ok(scopes.includes("get:products"), scopes);
    assert.equal((await call("GET", "/catalog/products", { authorization: `Bearer ${access}` })).status, 200);
  });

  test("API keys through introspection, in either header; revoked: refused once the cache window passed", async () => {
    const key = secretOf("warehouse-scanner");
    const inventory = "/catalog/products/p1/inventory";
    const viaHeader = await call("GET", inventory, { "x-api-key": key });
    assert.equal(viaHeader.status, 200);
    assert.deepEqual(await viaHeader.json(), {
      operation: "get:products_productid_inventory",
      kind: "api_key",
      sub: "alice",
    });
    assert.equal((await call("GET", inventory, { authorization: `Bearer ${key}` })).status, 200);
    const elsewhere = await call("GET", "/catalog/products", { "x-api-key": key });
    assert.equal(elsewhere.status, 403);
    assert.match(challengeOf(elsewhere), /scope="get:products"/);
    const unknown = await call("GET", inventory, { "x-api-key": `${key.slice(0, -4)}0000` });
    assert.equal(unknown.status, 401);

    // Revoke: the ApiKey leaves the manifests; the server serves the new revision.
    const manifest = path.join(root, "config", "apikeys.yaml");
    const before = await readFile(manifest, "utf8");
    await rm(manifest);
    try {
      const revision = await applyConfig();
      await waitFor(
        "the server serves the revocation",
        async () => {
          const answer = await postForm(
            `${serveUrl}/oauth2/introspect`,
            { token: key },
            { authorization: basic("rs-introspector", secretOf("rs-introspector")) },
          );
          return answer.body.active === false && revision > 0;
        },
        { deadlineMs: 10_000 },
      );
      // Within the window the cached answer still holds (at most 60 s: the documented trade-off).
      assert.equal((await call("GET", inventory, { "x-api-key": key })).status, 200);
      skewMs = 61_000;
      const revoked = await call("GET", inventory, { "x-api-key": key });
      assert.equal(revoked.status, 401);
      assert.match(challengeOf(revoked), /error="invalid_token"/);
    } finally {
      skewMs = 0;
      await writeFile(manifest, before);
    }
  });

  test("the metadata document is served at its RFC 9728 path and the bare well-known path", async () => {
    for (const p of [
      "/.well-known/oauth-protected-resource/catalog",
      "/.well-known/oauth-protected-resource",
    ]) {
      const res = await call("GET", p);
      assert.equal(res.status, 200, p);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.equal(doc.resource, CATALOG);
      assert.deepEqual(doc.authorization_servers, [ISSUER]);
      assert.deepEqual(doc.bearer_methods_supported, ["header"]);
      assert.equal((doc.scopes_supported as string[]).length, 13);
    }
  });
});
