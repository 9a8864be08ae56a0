/**
 * One Express app over the catalog spec, in its own process (spawned by run.ts), listening on loopback:
 *
 *   http-server.ts MODE PORT JWKS_FILE
 *     express     every operation's route answers `{ ok: true }`, no authorization: the floor;
 *     baseline    each route first reads the bearer token, `jwtVerify`s it against the local key set
 *                 (createLocalJWKSet, so the key is held after the first call) and checks the route's
 *                 scope by hand, as an API without scopectl would;
 *     middleware  `app.use(await resourceServer({ issuer, audience, spec, keys }))` in front of the
 *                 same routes: match, verification and scope check from the spec alone.
 *
 * The routes are the spec's operations (`{id}` as `:id`), registered the same way in every mode, so the
 * modes differ by their authorization only.
 */
import express, { type RequestHandler } from "express";
import { createLocalJWKSet, jwtVerify } from "jose";
import { resourceServer } from "../../src/resource-server/express.ts";
import { routeTableOfFile } from "../../src/resource-server/spec-routes.ts";
import { AUDIENCE, CATALOG_SPEC, holdsScope, ISSUER, readJwks, VERIFY_OPTIONS } from "./tokens.ts";

const [mode, port, jwksFile] = process.argv.slice(2);
if (!port || !jwksFile || (mode !== "express" && mode !== "baseline" && mode !== "middleware")) {
  console.error("usage: http-server.ts express|baseline|middleware PORT JWKS_FILE");
  process.exit(2);
}

const jwks = readJwks(jwksFile);
const table = await routeTableOfFile(CATALOG_SPEC);
const app = express();
app.disable("x-powered-by");

if (mode === "middleware") {
  app.use(await resourceServer({ issuer: ISSUER, audience: AUDIENCE, spec: CATALOG_SPEC, keys: jwks }));
}

const keys = createLocalJWKSet(jwks);
function bareCheck(scope: string): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    if (!token) {
      res.status(401).end();
      return;
    }
    try {
      const { payload } = await jwtVerify(token, keys, VERIFY_OPTIONS);
      if (!holdsScope(payload, scope)) {
        res.status(403).end();
        return;
      }
    } catch {
      res.status(401).end();
      return;
    }
    next();
  };
}

const ok: RequestHandler = (_req, res) => {
  res.json({ ok: true });
};
for (const operation of table.operations) {
  const route = `/catalog${operation.path.replace(/\{([^{}]+)\}/g, ":$1")}`;
  const handlers = mode === "baseline" ? [bareCheck(operation.scope), ok] : [ok];
  app[operation.method](route, ...handlers);
}

const server = app.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening ${mode}`);
});
// Exit on SIGTERM rather than die of it, so that --cpu-prof (BENCH_SERVE_NODE_ARGS) writes its profile.
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
