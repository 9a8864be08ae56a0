/**
 * The failed client authentication limit of the token and introspection endpoints under parallel
 * requests: a secret check is reserved before it runs, so 40 bad secrets sent at once get no more
 * checks than the limit allows, across both endpoints; and a busy client with the right secret is never
 * refused, however many of its requests run at once.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { API_HEADER, basic, postForm, serveTenant } from "../support/token-server.ts";

const ORDERS = "https://orders.example";

const TENANT = {
  "tenant.yaml": [
    `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes: [{ name: "read:orders" }]\n`,
    `${API_HEADER("Application", "exporter")}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n`,
  ].join("---\n"),
};

type Answer = Awaited<ReturnType<typeof postForm>>;

function tally(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

describe("failed client authentication limit, in parallel", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("40 parallel bad secrets at the token and introspection endpoints get exactly 3 secret checks", async (t) => {
    const tenant = await serveTenant(t, TENANT, { failedAuth: { points: 3, durationSeconds: 60 } });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? postForm(
              `${tenant.url}/oauth2/token`,
              { grant_type: "client_credentials", audience: ORDERS },
              { authorization: basic("exporter", `wrong-${i}`) },
            )
          : postForm(`${tenant.url}/oauth2/introspect`, {
              client_id: "exporter",
              client_secret: `wrong-${i}`,
              token: "x",
            }),
      ),
    );
    // A checked wrong secret is 401 after Basic and 400 after client_secret_post (RFC 6749 §5.2).
    const counts = tally(answers);
    assert.equal((counts[401] ?? 0) + (counts[400] ?? 0), 3, JSON.stringify(counts));
    assert.equal(counts[429], 37, JSON.stringify(counts));
    for (const answer of answers.filter((a) => a.status === 429)) {
      assert.equal(answer.body.error, "invalid_client");
      assert.match(answer.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    }
  });

  test("40 parallel requests with the right secret all get tokens, with a limit of 3", async (t) => {
    const tenant = await serveTenant(t, TENANT, {
      failedAuth: { points: 3, durationSeconds: 60 },
      tokenReuseSeconds: 0,
    });
    const secret = tenant.secrets.get("exporter") ?? assert.fail("no secret for exporter");
    // Two failures first: the limit has one point left while 40 right requests run at once.
    for (const wrong of ["wrong-1", "wrong-2"]) {
      const res = await postForm(
        `${tenant.url}/oauth2/token`,
        { grant_type: "client_credentials", audience: ORDERS },
        { authorization: basic("exporter", wrong) },
      );
      assert.equal(res.status, 401);
    }
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        postForm(
          `${tenant.url}/oauth2/token`,
          { grant_type: "client_credentials", audience: ORDERS },
          { authorization: basic("exporter", secret) },
        ),
      ),
    );
    assert.deepEqual(tally(answers), { 200: 40 });
  });
});
