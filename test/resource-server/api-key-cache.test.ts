/**
 * The API key cache (src/resource-server/api-keys.ts) against an introspection endpoint on loopback that
 * counts the questions it is asked: active answers kept at most 60 s and never past the key's expiry,
 * inactive ones briefly, concurrent questions about one key asked once, the count bounded, answers for
 * another API or issuer refused, and an unreachable or failing endpoint a 503 that is not cached. The real
 * server's answers are tested in against-serve.test.ts; here the clock is moved instead of waited for.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ApiKeyOptions, apiKeyVerifier } from "../../src/resource-server/api-keys.ts";
import { AccessRefused } from "../../src/resource-server/errors.ts";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "https://api.example.com/catalog";
const NOW = 1_900_000_000_000;

/** A well-formed key (the shape generateApiKey makes), told apart by `label`. */
function K(label: string): string {
  const digest = createHash("sha256").update(label).digest();
  return `sck_${digest.subarray(0, 4).toString("hex")}_${digest.toString("base64url")}`;
}

let server: Server | undefined;
let endpoint = "";
/** What the endpoint answers per key; `status` other than 200 answers that status. */
let answers = new Map<string, { status?: number; body?: unknown; delayMs?: number }>();
let asked: string[] = [];
let authorizations: string[] = [];
let clock = NOW;

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

const active = (extra: Record<string, unknown> = {}) => ({
  body: {
    active: true,
    token_type: "api_key",
    aud: [AUDIENCE],
    iss: ISSUER,
    scope: "get:products",
    sub: "alice",
    ...extra,
  },
});

function verifier(options: Partial<ApiKeyOptions> = {}) {
  return apiKeyVerifier(
    { clientId: "catalog api", clientSecret: "s3cr:t", introspectionEndpoint: endpoint, ...options },
    { issuer: ISSUER, audience: AUDIENCE, now: () => clock },
  );
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    assert.ok(error instanceof AccessRefused, String(error));
    return error.code;
  }
}

describe("API key introspection cache", { timeout: 60_000 }, () => {
  before(async () => {
    server = createServer(async (req, res) => {
      const key = new URLSearchParams(await bodyOf(req)).get("token") ?? "";
      asked.push(key);
      authorizations.push(req.headers.authorization ?? "");
      const answer = answers.get(key) ?? { body: { active: false } };
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      res.writeHead(answer.status ?? 200, { "content-type": "application/json" });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {}));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/introspect`;
  });
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  beforeEach(() => {
    answers = new Map();
    asked = [];
    authorizations = [];
    clock = NOW;
  });

  test("an active key: asked once, kept 60 s at most (a longer cacheSeconds is cut to 60)", async () => {
    answers.set(K("a"), active());
    const verify = verifier({ cacheSeconds: 600 });
    const principal = await verify(K("a"));
    assert.equal(principal.kind, "api_key");
    assert.deepEqual([...principal.scopes], ["get:products"]);
    await verify(K("a"));
    clock += 59_000;
    await verify(K("a"));
    assert.equal(asked.length, 1);
    clock += 2_000;
    await verify(K("a"));
    assert.equal(asked.length, 2);
    // RFC 6749 §2.3.1: id and secret form-encoded inside Basic.
    assert.equal(authorizations[0], `Basic ${Buffer.from("catalog+api:s3cr%3At").toString("base64")}`);
  });

  test("never past the key's expiry", async () => {
    answers.set(K("e"), active({ exp: Math.floor(NOW / 1000) + 10 }));
    const verify = verifier();
    await verify(K("e"));
    clock += 11_000;
    answers.set(K("e"), { body: { active: false } });
    assert.equal(await code(verify(K("e"))), "resource.invalid-token");
    assert.equal(asked.length, 2);
  });

  test("an inactive key: kept 5 s, then asked again", async () => {
    const verify = verifier();
    assert.equal(await code(verify(K("unknown"))), "resource.invalid-token");
    assert.equal(await code(verify(K("unknown"))), "resource.invalid-token");
    assert.equal(asked.length, 1);
    clock += 6_000;
    assert.equal(await code(verify(K("unknown"))), "resource.invalid-token");
    assert.equal(asked.length, 2);
  });

  test("concurrent questions about one key are asked once", async () => {
    answers.set(K("c"), active());
    const verify = verifier();
    await Promise.all(Array.from({ length: 20 }, () => verify(K("c"))));
    assert.equal(asked.length, 1);
  });

  test("the cache is bounded: the least recently used answer goes first", async () => {
    for (const k of [K("1"), K("2"), K("3")]) answers.set(k, active());
    const verify = verifier({ maxEntries: 2 });
    for (const k of [K("1"), K("2"), K("3"), K("1")]) await verify(k);
    assert.deepEqual(asked, [K("1"), K("2"), K("3"), K("1")]);
  });

  test("active, but for another API, another issuer, or not an API key: refused", async () => {
    answers.set(K("aud"), active({ aud: ["https://api.example.com/orders"] }));
    answers.set(K("iss"), active({ iss: "https://evil.example" }));
    answers.set(K("jwt"), active({ token_type: "Bearer" }));
    answers.set(K("scope"), active({ scope: 7 }));
    const verify = verifier();
    for (const k of [K("aud"), K("iss"), K("jwt"), K("scope")]) {
      assert.equal(await code(verify(k)), "resource.invalid-token", k);
    }
  });

  test("an endpoint that refuses the API's client, fails, answers no JSON or is down: 503, not cached", async () => {
    const verify = verifier();
    answers.set(K("401"), { status: 401, body: { error: "invalid_client" } });
    answers.set(K("500"), { status: 500 });
    answers.set(K("html"), { body: "<html>" });
    for (const k of [K("401"), K("500"), K("html")]) {
      assert.equal(await code(verify(k)), "resource.unavailable", k);
      assert.equal(await code(verify(k)), "resource.unavailable", k);
    }
    assert.equal(asked.length, 6);
    const down = apiKeyVerifier(
      {
        clientId: "c",
        clientSecret: "s",
        introspectionEndpoint: "http://127.0.0.1:1/introspect",
        timeoutMs: 2000,
      },
      { issuer: ISSUER, audience: AUDIENCE },
    );
    assert.equal(await code(down(K("x"))), "resource.unavailable");
  });

  test("a key not of the generated shape is refused without a question to the server", async () => {
    const verify = verifier();
    for (const bad of [
      "sck_a",
      `${K("a")}x`,
      K("a").toUpperCase(),
      `sck_${"0".repeat(8)}_${"é".repeat(43)}`,
      "x".repeat(12_000),
    ]) {
      assert.equal(await code(verify(bad)), "resource.invalid-token", bad.slice(0, 20));
    }
    assert.equal(asked.length, 0);
  });

  test("at most 32 introspections at once: beyond, an uncached key is 503 at once", async () => {
    const verify = verifier();
    const slow = Array.from({ length: 40 }, (_, i) => K(`slow${i}`));
    for (const k of slow) answers.set(k, { ...active(), delayMs: 300 });
    const codes = await Promise.all(slow.map((k) => code(verify(k))));
    assert.equal(codes.filter((c) => c === "ok").length, 32);
    assert.equal(codes.filter((c) => c === "resource.unavailable").length, 8);
    assert.equal(asked.length, 32);
  });

  test("a flood of unknown keys does not push out a cached active one", async () => {
    answers.set(K("good"), active());
    const verify = verifier({ maxEntries: 100 });
    await verify(K("good"));
    for (let i = 0; i < 300; i++) await code(verify(K(`bad${i}`)));
    const before = asked.length;
    await verify(K("good"));
    assert.equal(asked.length, before);
  });

  test("each request gets its own copy: a handler changing its scopes changes nothing for the next", async () => {
    answers.set(K("m"), active());
    const verify = verifier();
    const first = await verify(K("m"));
    (first.scopes as Set<string>).add("delete:everything");
    assert.deepEqual([...(await verify(K("m"))).scopes], ["get:products"]);
  });
});
