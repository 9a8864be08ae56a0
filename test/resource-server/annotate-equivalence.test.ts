/**
 * Issue 16, acceptance 4: `openapi annotate`'s copy of the config's catalog spec validates with
 * swagger-parser and, served by express-openapi-validator with a security handler that verifies the token
 * and checks the scopes the annotated `security` names, makes the same decisions as the middleware on the
 * same requests: every operation with its scope, with another scope, with no token, with a bad token.
 *
 * Left out on purpose, where the two differ by design (docs/resource-server.md#matching-a-request): HEAD
 * of a path without a HEAD operation (the middleware needs GET's scope; the validator answers 405), and
 * requests outside the spec's base path (the validator does not look at them).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import express, { type ErrorRequestHandler, type Request } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { parse } from "yaml";
import { annotateSpec } from "../../src/openapi/annotate.ts";
import { loadSpec } from "../../src/openapi/load.ts";
import { resourceServer } from "../../src/resource-server/express.ts";
import { RouteTable } from "../../src/resource-server/route-table.ts";
import { REPO_ROOT } from "../support/cli.ts";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "https://api.example.com/catalog";
const SPEC = path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml");

const servers: Server[] = [];
let middlewareUrl = "";
let validatorUrl = "";
let annotated: Record<string, unknown> = {};
let sign: (scope: string) => Promise<string>;

async function listen(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const handler = (_req: Request, res: express.Response) => {
  res.json({ ok: true });
};

describe("openapi annotate + express-openapi-validator decide as the middleware", {
  timeout: 120_000,
}, () => {
  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k", alg: "ES256" }] };
    sign = (scope) =>
      new SignJWT({ scope, client_id: "c", sub: "c", jti: randomUUID() })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);

    const text = await readFile(SPEC, "utf8");
    const loaded = await loadSpec(SPEC, { root: path.dirname(SPEC) });
    const copy = annotateSpec(loaded, { api: "catalog", server: ISSUER, text });
    annotated = parse(copy.text) as Record<string, unknown>;

    const viaMiddleware = express();
    viaMiddleware.use(await resourceServer({ issuer: ISSUER, audience: AUDIENCE, spec: SPEC, keys: jwks }));
    viaMiddleware.all("/{*rest}", handler);
    middlewareUrl = await listen(viaMiddleware);

    // The validator's security handler: verify the token as RFC 9068 says, then require the scopes the
    // annotated operation's `security` names (what a team would write around the validator).
    const keys = createLocalJWKSet(jwks);
    const refuse = (req: Request, status: number, challenge: string): never => {
      req.res?.set("WWW-Authenticate", `Bearer ${challenge}`);
      throw Object.assign(new Error(challenge), { status });
    };
    const viaValidator = express();
    viaValidator.use(
      OpenApiValidator.middleware({
        apiSpec: structuredClone(annotated) as never,
        validateRequests: false,
        validateResponses: false,
        validateSecurity: {
          handlers: {
            scopectl_catalog: async (req, scopes) => {
              const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
              if (!token) return refuse(req, 401, 'realm="catalog"');
              let held: string[] = [];
              try {
                const { payload } = await jwtVerify(token, keys, {
                  issuer: ISSUER,
                  audience: AUDIENCE,
                  typ: "at+jwt",
                });
                held = String(payload.scope ?? "").split(" ");
              } catch {
                return refuse(req, 401, 'error="invalid_token"');
              }
              if (!scopes.every((s) => held.includes(s))) {
                return refuse(req, 403, `error="insufficient_scope", scope="${scopes.join(" ")}"`);
              }
              return true;
            },
          },
        },
      }),
    );
    viaValidator.all("/{*rest}", handler);
    const errors: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status((err as { status?: number }).status ?? 500).json({ error: String((err as Error).message) });
    };
    viaValidator.use(errors);
    validatorUrl = await listen(viaValidator);
  });

  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("the annotated copy validates with swagger-parser, one security requirement per operation", async () => {
    await SwaggerParser.validate(structuredClone(annotated) as never);
    const table = RouteTable.fromDocument(annotated);
    for (const op of table.operations) {
      const paths = annotated.paths as Record<string, Record<string, { security?: unknown }>>;
      assert.deepEqual(
        paths[op.path]?.[op.method]?.security,
        [{ scopectl_catalog: [op.scope] }],
        `${op.method} ${op.path}`,
      );
    }
  });

  test("the same requests get the same answers from both", async () => {
    const table = RouteTable.fromDocument(annotated);
    const other = await sign("no:such-scope");
    const forged = `${(await sign("get:products")).slice(0, -4)}AAAA`;
    let compared = 0;
    for (const op of table.operations) {
      const target = `/catalog${op.path.replace(/\{[^}]+\}/g, "v1")}`;
      const holder = await sign(op.scope);
      const cases: Array<[string, Record<string, string>, number]> = [
        ["its scope", { authorization: `Bearer ${holder}` }, 200],
        ["another scope", { authorization: `Bearer ${other}` }, 403],
        ["no token", {}, 401],
        ["a forged token", { authorization: `Bearer ${forged}` }, 401],
      ];
      for (const [name, headers, expected] of cases) {
        const method = op.method.toUpperCase();
        const [a, b] = await Promise.all(
          [middlewareUrl, validatorUrl].map((base) => fetch(`${base}${target}`, { method, headers })),
        );
        assert.equal(a?.status, expected, `middleware: ${method} ${target}, ${name}`);
        assert.equal(b?.status, a?.status, `validator vs middleware: ${method} ${target}, ${name}`);
        if (expected === 403) {
          for (const res of [a, b])
            assert.match(res?.headers.get("www-authenticate") ?? "", new RegExp(`scope="${op.scope}"`));
        }
        await Promise.all([a?.body?.cancel(), b?.body?.cancel()]);
        compared++;
      }
    }
    assert.equal(compared, 13 * 4);
  });
});
