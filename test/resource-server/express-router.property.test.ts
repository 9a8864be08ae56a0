/**
 * The safety property of the middleware in front of Express's real router: for any spec, with one Express
 * route per operation (registered most concrete first, as an Express app must), and requests made from
 * the operations' concrete paths and then bent the ways routers disagree on (case, percent-encoded
 * literals, trailing slashes, HEAD), no route handler runs unless the token holds that handler's
 * operation's scope. The oracle is Express itself, not a copy of the matcher: the handler that ran says
 * which operation it is.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Agent, createServer, request as httpRequest, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import express from "express";
import fc from "fast-check";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { middlewareOf } from "../../src/resource-server/express.ts";
import { ResourceServer } from "../../src/resource-server/resource-server.ts";
import { RouteTable } from "../../src/resource-server/route-table.ts";
import {
  compareRank,
  concretePath,
  ok,
  type Seg,
  specArbitrary,
  templateOf,
} from "../support/spec-arbitraries.ts";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "https://api.example.com/p";

let server: Server | undefined;
let url = "";
let current: RequestListener = (_req, res) => res.end();
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let jwks: { keys: object[] } = { keys: [] };
let sign: (scope: string | undefined) => Promise<string>;
const tokens = new Map<string, string>();

async function tokenFor(scope: string | undefined): Promise<string> {
  const key = scope ?? "";
  let token = tokens.get(key);
  if (!token) {
    token = await sign(scope);
    tokens.set(key, token);
  }
  return token;
}

/** One request with node:http (fetch refuses TRACE); resolves with the status and the handler that ran. */
function send(
  method: string,
  path: string,
  token: string | undefined,
): Promise<{ status: number; op: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, op: res.headers["x-op"] as string | undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** `{p1}` → `:p1` (mixed too: `v{p1}.json` → `v:p1.json`). */
const expressPath = (template: string) => template.replace(/\{([^}]+)\}/g, ":$1");

type Bend = "none" | "upper" | "encode" | "slash" | "head";

/** A concrete path bent the way a router and a spec may read differently. */
function bent(segs: Seg[], values: string[], how: Bend): string {
  const path = concretePath(segs, values);
  const parts = path.split("/");
  const literal = segs.findIndex((s) => s.kind === "literal");
  if (how === "upper" && literal >= 0) parts[literal + 1] = (parts[literal + 1] ?? "").toUpperCase();
  if (how === "encode" && literal >= 0) {
    const text = parts[literal + 1] ?? "";
    const first = text[0] ?? "";
    if (/[A-Za-z0-9]/.test(first))
      parts[literal + 1] = `%${first.charCodeAt(0).toString(16)}${text.slice(1)}`;
  }
  const joined = parts.join("/");
  if (how === "slash") return joined.endsWith("/") ? joined.slice(0, -1) || "/" : `${joined}/`;
  return joined;
}

describe("the middleware in front of Express's router, property", { timeout: 300_000 }, () => {
  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k", alg: "ES256" }] };
    sign = (scope) =>
      new SignJWT({ scope: scope ?? "", client_id: "c", sub: "c", jti: randomUUID() })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);
    server = createServer((req, res) => current(req, res));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    agent.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test("no handler runs without its operation's scope, whatever the request's case, encoding or slash", async () => {
    await fc.assert(
      fc.asyncProperty(
        specArbitrary,
        fc.constantFrom<Bend>("none", "upper", "encode", "slash", "head"),
        fc.constantFrom<"refuse" | "pass">("refuse", "pass"),
        fc.nat(),
        async ({ ops, base, values, pick }, how, unmatched, other) => {
          const paths: Record<string, Record<string, unknown>> = {};
          for (const op of ops)
            paths[templateOf(op.segs)] = Object.fromEntries(op.methods.map((m) => [m, ok]));
          const table = RouteTable.fromDocument({ openapi: "3.0.3", servers: [{ url: base || "/" }], paths });
          const app = express();
          app.use(
            middlewareOf(
              new ResourceServer({ issuer: ISSUER, audience: AUDIENCE, keys: jwks, routes: table }),
              { unmatched },
            ),
          );
          // Most concrete first; within a template HEAD before GET (Express runs the first route taking HEAD,
          // and a GET route takes it).
          const headFirst = (m: string) => (m === "head" ? 0 : 1);
          const byConcreteness = [...table.operations].sort(
            (a, b) => compareRank(a.path, b.path) || headFirst(a.method) - headFirst(b.method),
          );
          for (const op of byConcreteness) {
            app[op.method](
              `${base}${expressPath(op.path)}`,
              (_req: express.Request, res: express.Response) => {
                res.set("x-op", op.scope).status(200).end();
              },
            );
          }
          current = app as unknown as RequestListener;

          const own = ops[pick % ops.length] ?? ops[0];
          if (!own) return;
          const method =
            how === "head" ? "HEAD" : (own.methods[pick % own.methods.length] ?? "get").toUpperCase();
          const target = `${base}${bent(own.segs, values, how === "head" ? "none" : how)}`;
          let required: string | undefined;
          try {
            required = table.match(method, target)?.operation.scope;
          } catch {
            required = undefined;
          }
          const another = table.operations[other % table.operations.length]?.scope;
          for (const scope of new Set([required, another, undefined])) {
            const answer = await send(
              method,
              target,
              scope === undefined ? undefined : await tokenFor(scope),
            );
            if (answer.op !== undefined) {
              assert.equal(
                scope,
                answer.op,
                `${method} ${target} (${unmatched}) reached the handler of ${answer.op} with a token holding ${scope ?? "nothing"}`,
              );
            }
          }
        },
      ),
      { numRuns: 300, includeErrorInReport: true },
    );
  });
});
