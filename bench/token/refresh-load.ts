/**
 * bench/token's load generator for the refresh_token grant, in its own process like the autocannon CLI
 * the client credentials runs use: refresh tokens rotate (each request spends the token it presents and
 * gets the next one), so every request body depends on the previous answer and a fixed-body run cannot
 * work. autocannon's programmatic API with one refresh token chain per connection instead.
 *
 * Per-connection state: autocannon's `initialContext` is one object cloned into every connection, and
 * a connection's `context` is reset to that clone each time it loops over its `requests` (with one
 * request: after every response). So the chain is not kept in `context`: `setupClient`, called once per
 * connection, gives the connection its own one-request list (`client.setRequests`) whose `setupRequest`
 * and `onResponse` close over that connection's slot in `tokens`. Pipelining stays 1 (one request in
 * flight per connection), so a chain's requests are strictly sequential.
 *
 * Every answer other than a 200 with a `refresh_token` is counted as failed (a token presented twice
 * would show as invalid_grant, and would revoke its chain, so every later request of that connection
 * fails too). The last request of each connection may be in flight when the run ends: its token is
 * then spent or not, so chains are not reused across runs (bench/token signs in afresh for each).
 *
 *   refresh-load.ts SPEC.json   with {url, seconds, tokens: string[], form: {client_id, ...}, overallRate?}
 * Prints autocannon's result as JSON (like the CLI's --json) plus
 * `refresh: {ok, failed, failedByStatus, sample}`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface Spec {
  url: string;
  seconds: number;
  /** One refresh token per connection. */
  tokens: string[];
  /** The other fields of every request (client authentication, grant_type is added). */
  form: Record<string, string>;
  overallRate?: number;
}

/** The part of autocannon v8's API used here (the package has no types of its own). */
interface RequestParams {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: RequestParams, context: object) => RequestParams | undefined;
  onResponse?: (status: number, body: string, context: object) => void;
}
interface AutocannonClient {
  setRequests(requests: RequestParams[]): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  overallRate?: number;
  method?: string;
  headers?: Record<string, string>;
  setupClient?: (client: AutocannonClient) => void;
}) => PromiseLike<Record<string, unknown> & { non2xx: number; errors: number; timeouts: number }>;

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as Autocannon;

const specFile = process.argv[2];
if (!specFile) throw new Error("usage: refresh-load.ts SPEC.json");
const spec = JSON.parse(readFileSync(specFile, "utf8")) as Spec;
const tokens = [...spec.tokens];
const path = new URL(spec.url).pathname;
const headers = { "content-type": "application/x-www-form-urlencoded" };

let ok = 0;
let failed = 0;
const failedByStatus: Record<string, number> = {};
let sample: string | undefined;
const fail = (status: number, body: string) => {
  failed++;
  failedByStatus[status] = (failedByStatus[status] ?? 0) + 1;
  sample ??= `${status} ${body.slice(0, 300)}`;
};

let nextSlot = 0;
const result = await autocannon({
  url: spec.url,
  connections: tokens.length,
  duration: spec.seconds,
  pipelining: 1,
  method: "POST",
  headers,
  ...(spec.overallRate ? { overallRate: Math.floor(spec.overallRate) } : {}),
  setupClient(client) {
    const slot = nextSlot++;
    if (slot >= tokens.length) throw new Error(`more connections than refresh tokens (${tokens.length})`);
    client.setRequests([
      {
        method: "POST",
        path,
        headers,
        setupRequest: (request) => ({
          ...request,
          body: new URLSearchParams({
            ...spec.form,
            grant_type: "refresh_token",
            refresh_token: tokens[slot] as string,
          }).toString(),
        }),
        onResponse(status, body) {
          const text = String(body);
          if (status !== 200) return fail(status, text);
          let next: unknown;
          try {
            next = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
          } catch {
            // counted below
          }
          if (typeof next !== "string") return fail(status, `no refresh_token in ${text}`);
          tokens[slot] = next;
          ok++;
        },
      },
    ]);
  },
});
console.log(JSON.stringify({ ...result, refresh: { ok, failed, failedByStatus, sample } }));
