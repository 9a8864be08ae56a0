#!/usr/bin/env node
// Builds the web console (console/) into dist/console/: one ES module bundle of the Preact app
// (esbuild), its stylesheet and index.html. `scopectl serve` serves that folder under /console
// (src/server/console/console-routes.ts). Every asset is the server's own: nothing loads from a CDN.
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "console");
const out = path.join(root, "dist", "console");

await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, "assets"), { recursive: true });
await build({
  entryPoints: [path.join(source, "src", "main.tsx")],
  outfile: path.join(out, "assets", "console.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(path.join(source, "styles.css"), path.join(out, "assets", "console.css"));
await copyFile(path.join(source, "index.html"), path.join(out, "index.html"));
console.log(`console built: ${path.relative(root, out)}`);
