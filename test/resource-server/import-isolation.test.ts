/**
 * `scopectl/resource-server` and `scopectl/express` have their own small dependency surface: importing
 * them, and checking a request with a spec loaded, loads jose, the spec loader's parsers and nothing of
 * the server, the store, Pulumi or the CLI (docs/architecture.md: resource-server/ imports only core/,
 * model/ and openapi/). Each case runs in a fresh process that records every module it loads: ES modules
 * through a resolve hook, CommonJS ones from the require cache.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../support/cli.ts";

const TSX = import.meta.resolve("tsx");
const SPEC = path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml");

/** Packages the library may load: jose, the spec parsers and their own dependencies, the key cache. */
const ALLOWED_PACKAGES = new Set([
  "jose",
  "yaml",
  "js-yaml",
  "ajv",
  "fast-deep-equal",
  "json-schema-traverse",
  "fast-uri",
  "lru-cache",
]);
/** The TypeScript loader the source cases run under: not the library's. */
const LOADER_PACKAGES = new Set(["tsx", "esbuild", "get-tsconfig", "resolve-pkg-maps", "@esbuild"]);
const ALLOWED_FOLDERS = new Set(["core", "model", "openapi", "resource-server"]);

const HOOK = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + "\\n");
  return resolved;
}`;

const REGISTER = `
import { register } from "node:module";
register("data:text/javascript,${encodeURIComponent(HOOK)}");`;

/** Imports `entry`, loads the catalog spec and checks one request; prints the CommonJS modules loaded. */
const program = (entry: string) => `
const lib = await import(${JSON.stringify(entry)});
const server = await lib.ResourceServer.fromSpec(${JSON.stringify(SPEC)}, {
  issuer: "https://auth.example.com", audience: "https://api.example.com/catalog", keys: { keys: [] },
});
const decision = await server.check({ method: "GET", path: "/catalog/products", headers: { authorization: "Bearer a.b.c" } });
if (decision.outcome !== "refuse") throw new Error("expected a refusal");
const { createRequire } = await import("node:module");
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
`;

function packageOf(file: string): string | undefined {
  const after = file.split("/node_modules/").at(-1);
  if (after === undefined || after === file) return undefined;
  const [scope, name] = after.split("/");
  return scope?.startsWith("@") ? `${scope}/${name}` : scope;
}

function loadedBy(entry: string, underTsx: boolean): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), "scopectl-isolation-"));
  const log = path.join(dir, "loaded.txt");
  try {
    const args = [
      ...(underTsx ? ["--import", TSX] : []),
      "--import",
      `data:text/javascript,${encodeURIComponent(REGISTER)}`,
      "--input-type=module",
      "-e",
      program(entry),
    ];
    const run = spawnSync(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, LOADED_LOG: log },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const esm = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    const cjs = (JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "[]") as string[]).map(
      (f) => `file://${f}`,
    );
    return [...new Set([...esm, ...cjs])].filter((url) => url.startsWith("file:"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertIsolated(loaded: string[], sourceRoot: string): void {
  const packages = new Set(loaded.map((url) => packageOf(url)).filter((p): p is string => p !== undefined));
  const foreign = [...packages].filter((p) => !ALLOWED_PACKAGES.has(p) && !LOADER_PACKAGES.has(p));
  assert.deepEqual(foreign, [], `packages loaded beyond the library's surface: ${foreign.join(", ")}`);
  assert.ok(packages.has("jose"), "jose was not loaded: the recording is broken");
  const prefix = `file://${path.join(REPO_ROOT, sourceRoot)}/`;
  const folders = new Set(
    loaded
      .filter((url) => url.startsWith(prefix) && !url.includes("/node_modules/"))
      .map((url) => url.slice(prefix.length).split("/")[0]),
  );
  const outside = [...folders].filter((f) => f !== undefined && !ALLOWED_FOLDERS.has(f));
  assert.deepEqual(
    outside,
    [],
    `scopectl folders loaded beyond core, model, openapi, resource-server: ${outside.join(", ")}`,
  );
  assert.ok(folders.has("resource-server"), "the library itself was not recorded");
}

describe("the resource-server library loads nothing of the server", { timeout: 180_000 }, () => {
  for (const file of ["index.ts", "express.ts"]) {
    test(`src/resource-server/${file}`, () => {
      assertIsolated(loadedBy(path.join(REPO_ROOT, "src/resource-server", file), true), "src");
    });
  }

  for (const name of ["scopectl/resource-server", "scopectl/express"]) {
    test(`the package export ${name} (dist/, built by npm install)`, () => {
      const built = path.join(REPO_ROOT, "dist/resource-server/index.js");
      assert.ok(existsSync(built), `${built} is missing: run npm run build (npm install runs it)`);
      assertIsolated(loadedBy(name, false), "dist");
    });
  }
});
