/**
 * `/console`: the web console's files (built by scripts/build-console.mjs into dist/console) and the
 * public sign-in configuration its script reads. The server holds no console session and renders no
 * data: the page signs its user in (authorization code + PKCE) and calls `/v1` with the user's token,
 * so everything it shows passes the management API's own checks (docs/console.md).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { ServerContext } from "../context.ts";
import { CONSOLE_PATH, consoleConfig } from "./console-client.ts";

/** dist/console of the package: this file is three folders below the root under src/ and dist/ alike. */
export const CONSOLE_BUILD = fileURLToPath(new URL("../../../dist/console/", import.meta.url));

/**
 * A document policy: scripts, styles and calls from this origin only, no inline script or style, no
 * plugin, no frame, forms post here only.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

function documentHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set("Content-Security-Policy", CONSOLE_CSP);
  res.set("Referrer-Policy", "no-referrer");
  next();
}

export function consoleRouter(ctx: ServerContext, build = CONSOLE_BUILD): Router {
  const router = Router();
  router.use(documentHeaders);

  router.get("/config.json", (_req, res) => {
    res.set("Cache-Control", "no-store");
    const snapshot = ctx.snapshot();
    if (!snapshot) {
      res
        .status(503)
        .json({ error: "unavailable", error_description: "the service state is not loaded yet" });
      return;
    }
    const config = consoleConfig(snapshot);
    if (!config) {
      res.status(404).json({
        error: "no_console_application",
        error_description: `no enabled spa Application registers the redirect URI ${snapshot.issuer}${CONSOLE_PATH}/callback; declare one in the manifests (docs/console.md)`,
      });
      return;
    }
    res.json(config);
  });

  if (!existsSync(path.join(build, "index.html"))) {
    router.use((_req, res) => {
      res
        .status(503)
        .type("text/plain")
        .send("The console is not built: run `npm run build` (or `npm run build:console`).\n");
    });
    return router;
  }

  // Asset names carry no hash, so a browser revalidates them (they are small, and ETags make it cheap).
  // A name that is not one is a plain 404 here, never the page (nor the app's error handler's 500).
  router.use(
    "/assets",
    express.static(path.join(build, "assets"), { etag: true, maxAge: 0 }),
    (_req: Request, res: Response) => {
      res.status(404).type("text/plain").send("No such console asset.\n");
    },
  );
  const index = path.join(build, "index.html");
  // Every other path under /console is a page of the single-page app: the same document.
  router.get(["/", "/{*page}"], (_req, res) => {
    res.set("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  return router;
}
