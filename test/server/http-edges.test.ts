/**
 * Issue 12, the smaller HTTP items: a malformed percent-escape in a path is a 400 with a JSON error (not
 * a 500 with a stack in the log), every answer of the token and introspection endpoints is `no-store`
 * (405s included), `POST /oauth2/token/` is the token endpoint, and every 401 of the OAuth endpoints
 * carries a `WWW-Authenticate` challenge (RFC 9110 §11.6.1). Over HTTP against the real server.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger } from "../../src/server/logger.ts";
import {
  authorizeUrl,
  openAuthorize,
  PASSWORD,
  serveUserTenant,
  submitLogin,
  type UserTenant,
} from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { basic, postForm } from "../support/token-server.ts";

/** The user tenant with its log lines collected. */
async function served(t: Parameters<typeof serveUserTenant>[0]) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("info", {
    write: (line: string) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const user = await serveUserTenant(t, { logger });
  return { user, lines };
}

const robotAuth = (user: UserTenant) =>
  basic("robot", user.tenant.secrets.get("robot") ?? assert.fail("no secret for robot"));

describe("a malformed percent-escape in the path", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("answers 400 with a JSON error that says so, and logs no error", async (t) => {
    const { user, lines } = await served(t);
    for (const route of ["/v1/apis/%E0%A4%A", "/v1/apis/%ZZ/openapi", "/v1/users/%E0%A4%A/scopes"]) {
      const res = await fetch(`${user.issuer}${route}`);
      const text = await res.text();
      assert.equal(res.status, 400, `${route}: ${text}`);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.equal(body.error, "invalid_request");
      assert.match(String(body.error_description), /percent-encod/);
    }
    const errors = lines.filter((line) => Number(line.level) >= 50);
    assert.deepEqual(errors, []);
  });
});

describe("the token and introspection endpoints", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("GET /oauth2/token and GET /oauth2/introspect: 405, Allow: POST and Cache-Control: no-store", async (t) => {
    const { user } = await served(t);
    for (const route of ["/oauth2/token", "/oauth2/introspect", "/oauth2/token/"]) {
      const res = await fetch(`${user.issuer}${route}`);
      await res.text();
      assert.equal(res.status, 405, route);
      assert.equal(res.headers.get("allow"), "POST", route);
      assert.equal(res.headers.get("cache-control"), "no-store", route);
    }
  });

  test("POST /oauth2/token/ (trailing slash) is the token endpoint", async (t) => {
    const { user } = await served(t);
    for (const route of ["/oauth2/token/", "/oauth2/token/?x=1", "/OAuth2/Token"]) {
      const res = await postForm(
        `${user.issuer}${route}`,
        { grant_type: "client_credentials" },
        { authorization: robotAuth(user) },
      );
      assert.equal(res.status, 200, `${route}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.access_token, "string");
      assert.equal(res.headers.get("cache-control"), "no-store");
    }
    const refused = await postForm(`${user.issuer}/oauth2/token/`, { grant_type: "password" });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, "unsupported_grant_type");
    assert.equal(refused.headers.get("cache-control"), "no-store");
  });

  test("every 401 carries a WWW-Authenticate challenge: no credentials, or no secret; a failed client_secret_post is a 400", async (t) => {
    const { user } = await served(t);
    const cases: [string, Record<string, string>, number][] = [
      ["/oauth2/introspect", { token: "x" }, 401],
      ["/oauth2/introspect", { token: "x", client_id: "robot", client_secret: "wrong" }, 400],
      ["/oauth2/token", { grant_type: "client_credentials" }, 401],
      [
        "/oauth2/token",
        { grant_type: "client_credentials", client_id: "robot", client_secret: "wrong" },
        400,
      ],
      ["/oauth2/token", { grant_type: "refresh_token", refresh_token: "x", client_id: "web" }, 401],
    ];
    for (const [route, form, status] of cases) {
      const res = await postForm(`${user.issuer}${route}`, form);
      const what = `${route} ${JSON.stringify(form)}`;
      assert.equal(res.status, status, what);
      assert.equal(res.body.error, "invalid_client");
      if (status === 401)
        assert.match(res.headers.get("www-authenticate") ?? "", /^Basic realm="scopectl"/, what);
      else assert.equal(res.headers.get("www-authenticate"), null, what);
      assert.equal(res.headers.get("cache-control"), "no-store");
    }
  });
});

describe("the management views", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("/v1 answers are never cached: a view, a 401 and a 404", async (t) => {
    const { user } = await served(t);
    const token = await postForm(
      `${user.issuer}/oauth2/token`,
      { grant_type: "client_credentials" },
      { authorization: robotAuth(user) },
    );
    for (const [route, authorization] of [
      ["/v1/users", undefined],
      ["/v1/users", `Bearer ${String(token.body.access_token)}`],
      ["/v1/nothing-here", undefined],
    ] as const) {
      const res = await fetch(`${user.issuer}${route}`, authorization ? { headers: { authorization } } : {});
      await res.text();
      assert.equal(res.headers.get("cache-control"), "no-store", `${route} ${res.status}`);
    }
  });
});

describe("the authorization redirects", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the redirect with the code and an error redirect are no-store", async (t) => {
    const { user } = await served(t);
    const failed = await fetch(authorizeUrl(user.issuer, { pkce: null }).url, { redirect: "manual" });
    await failed.text();
    assert.equal(failed.status, 302);
    assert.equal(failed.headers.get("cache-control"), "no-store");

    const page = await openAuthorize(authorizeUrl(user.issuer).url);
    const answer = await submitLogin(
      user.issuer,
      {
        csrf_token: page.csrfToken ?? assert.fail("no csrf_token"),
        email: "alice@example.com",
        password: PASSWORD,
      },
      page.cookie,
    );
    assert.equal(answer.status, 303);
    assert.match(answer.location ?? "", /[?&]code=/);
    assert.equal(answer.headers.get("cache-control"), "no-store");
  });
});
