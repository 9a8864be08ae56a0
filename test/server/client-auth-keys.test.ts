/**
 * The failed client authentication limit keys a known client per (address, client id), and every
 * client id that names no client under one key per address: an attacker choosing fresh ids at will
 * gets one limit and one key, not one of each per id. A client_id longer than any client id a manifest
 * allows is refused before anything is counted. Over HTTP against the real server; the keys are read
 * off the limiter methods client authentication calls (FailedAuthLimiter's countFailure and refusal).
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { CLIENT_ID_PATTERN } from "../../src/manifest/schemas/common.ts";
import { FailedAuthLimiter } from "../../src/server/failed-auth-limiter.ts";
import { MAX_CLIENT_ID_LENGTH } from "../../src/server/oauth/authenticate-request.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm, serveTenant } from "../support/token-server.ts";

const ORDERS = "https://orders.example";

const TENANT = {
  "tenant.yaml": [
    `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }]\n`,
    `${API_HEADER("Application", "exporter")}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n`,
  ].join("---\n"),
};

/** Calls `seen` with every key client authentication asks the limiter about. */
function spyOnKeys(t: TestContext, seen: (key: string) => void): void {
  for (const name of ["countFailure", "refusal"] as const) {
    const original = FailedAuthLimiter.prototype[name];
    t.mock.method(FailedAuthLimiter.prototype, name, function (this: FailedAuthLimiter, key: string) {
      seen(key);
      return original.call(this, key);
    });
  }
}

describe("failed client authentication keys", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("30 distinct unknown client ids from one address share one key and one limit", async (t) => {
    const keys = new Set<string>();
    spyOnKeys(t, (key) => keys.add(key));
    const tenant = await serveTenant(t, TENANT, { failedAuth: { points: 3, durationSeconds: 60 } });
    const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      postForm(`${tenant.url}/oauth2/token`, { grant_type: "client_credentials", ...form }, headers);

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const answer = await token({ client_id: `${"u".repeat(100)}-${i}`, client_secret: "nope" });
      assert.equal(answer.body.error, "invalid_client", JSON.stringify(answer.body));
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, [...Array(3).fill(400), ...Array(27).fill(429)]);
    assert.equal(keys.size, 1, [...keys].map((key) => key.slice(0, 40)).join(", "));

    // A known client at the same address keeps its own limit: unknown ids cannot lock it out.
    const secret = tenant.secrets.get("exporter") ?? assert.fail("no secret for exporter");
    const known = await token({ audience: ORDERS }, { authorization: basic("exporter", secret) });
    assert.equal(known.status, 200, JSON.stringify(known.body));
    assert.equal(keys.size, 2);
  });

  test(`a client_id longer than ${MAX_CLIENT_ID_LENGTH} characters is refused by name and counts nothing`, async (t) => {
    // The bound is the manifests' own: no client can have a longer id.
    assert.match("a".repeat(MAX_CLIENT_ID_LENGTH), new RegExp(CLIENT_ID_PATTERN));
    assert.doesNotMatch("a".repeat(MAX_CLIENT_ID_LENGTH + 1), new RegExp(CLIENT_ID_PATTERN));
    let reserved = 0;
    spyOnKeys(t, () => reserved++);
    const tenant = await serveTenant(t, TENANT, { failedAuth: { points: 3, durationSeconds: 60 } });
    const long = "x".repeat(6_000);
    for (const [form, headers, status] of [
      [{ client_id: long, client_secret: "nope" }, {}, 400],
      [{}, { authorization: basic(long, "nope") }, 401],
      [{ client_id: long }, {}, 400],
    ] as const) {
      const answer = await postForm(
        `${tenant.url}/oauth2/token`,
        { grant_type: "client_credentials", ...form },
        headers,
      );
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.error, "invalid_client");
      assert.equal(answer.headers.has("www-authenticate"), status === 401, "a challenge after Basic only");
      assert.match(String(answer.body.error_description), /client_id .*longer than 128/);
      assert.ok(!JSON.stringify(answer.body).includes(long.slice(0, 200)), "the id is not echoed");
    }
    assert.equal(reserved, 0);
  });
});
