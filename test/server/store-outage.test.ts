/**
 * Issue 14, acceptance 4: PostgreSQL stopped for 10 s under load. A token server on a throwaway
 * cluster's database serves a steady load of client credentials requests while the cluster is stopped
 * and started again: not one of them fails (they need the snapshot and the limiter, whose counts go to
 * memory meanwhile). What needs the store answers 503 with Retry-After (the code exchange, a refresh,
 * introspection and userinfo of a user token, /v1/sync), and the login post goes back to the client
 * with `temporarily_unavailable` (RFC 6749 §4.1.2.1); /readyz stays ready and says the store is
 * unreachable. Once the cluster is back, the very code and refresh token that were refused work, and a
 * sign-in succeeds, with no restart of the server.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type PostgresCluster, startPostgres } from "../support/postgres.ts";
import { serveReplicas } from "../support/postgres-replicas.ts";
import {
  authorizeUrl,
  openAuthorize,
  PASSWORD,
  signIn,
  submitLogin,
  userTenantFiles,
  WEB_REDIRECT,
} from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm } from "../support/token-server.ts";
import { waitFor } from "../support/wait.ts";

/** The number: how long the database is down. */
const OUTAGE_MS = 10_000;
const LOAD_WORKERS = 4;

/** The user tenant, plus the management Api and an m2m app that reads it. */
function files(issuer: string): Record<string, string> {
  return {
    ...userTenantFiles(issuer),
    "management.yaml": [
      `${API_HEADER("Api", "management")}spec:\n  audience: ${issuer}/v1\n  scopes: [{ name: "read:apis" }]\n`,
      `${API_HEADER("Application", "ops")}spec:\n  type: m2m\n  clientId: ops\n  apis:\n    management: { scopes: all }\n`,
    ].join("---\n"),
  };
}

interface Load {
  /** Stops the workers; resolves with what they saw. */
  stop(): Promise<{ ok: number; okWhileDown: number; failures: string[] }>;
}

/** LOAD_WORKERS loops of client credentials requests, each a few milliseconds apart. */
function clientCredentialsLoad(issuer: string, secret: string, isDown: () => boolean): Load {
  let running = true;
  let ok = 0;
  let okWhileDown = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (running) {
      const down = isDown();
      try {
        const answer = await postForm(
          `${issuer}/oauth2/token`,
          { grant_type: "client_credentials" },
          { authorization: basic("robot", secret) },
        );
        if (answer.status === 200 && typeof answer.body.access_token === "string") {
          ok++;
          if (down && isDown()) okWhileDown++;
        } else failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      } catch (error) {
        failures.push(String(error));
      }
      await sleep(5);
    }
  };
  const workers = Array.from({ length: LOAD_WORKERS }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return { ok, okWhileDown, failures };
    },
  };
}

/** A 503 of the store outage: Retry-After, no-store, and temporarily_unavailable. */
function assertUnavailable(answer: { status: number; headers: Headers; body: unknown }, what: string): void {
  assert.equal(answer.status, 503, `${what}: ${JSON.stringify(answer.body)}`);
  const retryAfter = Number(answer.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `${what}: Retry-After ${retryAfter}`);
  assert.equal(answer.headers.get("cache-control"), "no-store", what);
  assert.equal((answer.body as { error?: unknown }).error, "temporarily_unavailable", what);
}

async function getJson(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : {} };
}

describe("a PostgreSQL outage", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("10 s down under load: no client credentials request fails, sign-ins get 503 or temporarily_unavailable, and all works again after, with no restart", {
    timeout: 240_000,
  }, async (t) => {
    const cluster: PostgresCluster = await startPostgres();
    t.after(() => cluster.destroy());
    const { issuer, secrets } = await serveReplicas(t, await cluster.database(), files, {
      replicas: 1,
      passwords: { users: ["alice", "bob"], password: PASSWORD },
    });
    const secret = (name: string) => secrets.get(name) ?? assert.fail(`no secret for ${name}`);
    const asWeb = { authorization: basic("web", secret("web")) };
    const token = (form: Record<string, string>) => postForm(`${issuer}/oauth2/token`, form, asWeb);
    const exchange = (code: string, verifier: string | undefined) =>
      token({
        grant_type: "authorization_code",
        code,
        code_verifier: verifier ?? "",
        redirect_uri: WEB_REDIRECT,
      });
    const codeOf = (redirect: URL) => redirect.searchParams.get("code") ?? assert.fail(redirect.href);

    // Before: a sign-in with its tokens, a second sign-in whose code is kept, a management token.
    const first = await signIn(issuer);
    const tokens = await exchange(codeOf(first.redirect), first.verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refreshToken = String(tokens.body.refresh_token);
    const userToken = String(tokens.body.access_token);
    const kept = await signIn(issuer);
    const management = await postForm(
      `${issuer}/oauth2/token`,
      { grant_type: "client_credentials" },
      { authorization: basic("ops", secret("ops")) },
    );
    assert.equal(management.status, 200, JSON.stringify(management.body));
    const managementToken = String(management.body.access_token);

    let down = false;
    const load = clientCredentialsLoad(issuer, secret("robot"), () => down);
    let loadResult: Awaited<ReturnType<Load["stop"]>> | undefined;
    try {
      await sleep(500);
      await cluster.stop();
      down = true;
      const stoppedAt = Date.now();

      assertUnavailable(await exchange(codeOf(kept.redirect), kept.verifier), "the code exchange");
      assertUnavailable(
        await token({ grant_type: "refresh_token", refresh_token: refreshToken }),
        "the refresh",
      );
      assertUnavailable(
        await postForm(`${issuer}/oauth2/introspect`, { token: userToken }, asWeb),
        "introspection of a user token",
      );
      assertUnavailable(await getJson(`${issuer}/oauth2/userinfo`, userToken), "userinfo");
      assertUnavailable(await getJson(`${issuer}/v1/sync`, managementToken), "GET /v1/sync");
      const apis = await getJson(`${issuer}/v1/apis`, managementToken);
      assert.equal(apis.status, 200, "a /v1 view of the snapshot still answers");

      const page = await openAuthorize(authorizeUrl(issuer, { state: "outage-state" }).url);
      assert.equal(page.status, 200, "the login page needs no store");
      const login = await submitLogin(
        issuer,
        { csrf_token: page.csrfToken ?? "", email: "alice@example.com", password: PASSWORD },
        page.cookie,
      );
      assert.equal(login.status, 303, login.html.slice(0, 300));
      const back = new URL(login.location ?? assert.fail("no Location"));
      assert.equal(`${back.origin}${back.pathname}`, WEB_REDIRECT);
      assert.equal(back.searchParams.get("error"), "temporarily_unavailable");
      assert.equal(back.searchParams.get("state"), "outage-state");
      assert.equal(back.searchParams.get("iss"), issuer);
      assert.equal(back.searchParams.get("code"), null);

      const ready = await fetch(`${issuer}/readyz`);
      assert.equal(ready.status, 200, "still ready: the snapshot serves client credentials");
      assert.equal(((await ready.json()) as { store?: unknown }).store, "unreachable");

      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      await cluster.start();
      down = false;

      // After, with no restart: the very requests that were refused now work.
      await waitFor("the store reachable again", async () => {
        const body = (await (await fetch(`${issuer}/readyz`)).json()) as { store?: unknown };
        return body.store === "reachable";
      });
      const exchanged = await exchange(codeOf(kept.redirect), kept.verifier);
      assert.equal(exchanged.status, 200, `the kept code: ${JSON.stringify(exchanged.body)}`);
      const refreshed = await token({ grant_type: "refresh_token", refresh_token: refreshToken });
      assert.equal(refreshed.status, 200, `the refresh: ${JSON.stringify(refreshed.body)}`);
      const again = await signIn(issuer, { email: "bob@example.com" });
      assert.ok(again.redirect.searchParams.get("code"), "a sign-in succeeds");
      assert.equal((await getJson(`${issuer}/v1/sync`, managementToken)).status, 404, "no sync has run");
    } finally {
      loadResult = await load.stop();
    }
    assert.deepEqual(loadResult.failures.slice(0, 5), [], `${loadResult.failures.length} failed requests`);
    assert.ok(loadResult.okWhileDown > 0, "tokens were issued while the database was down");
    t.diagnostic(
      `${loadResult.ok} client credentials tokens, ${loadResult.okWhileDown} while the database was down`,
    );
  });
});
