/**
 * scopectl as `pulumi up` runs it: a package root named scopectl (its package.json, node_modules
 * linked to the repo's, a fresh dist/ built by tsc), and the shim of every kind serialized the way
 * `pulumi.dynamic.Resource` serializes its provider (docs/architecture.md#pulumis-shim: serialize the tsc output, not tsx's).
 * A temporary root rather than the shared dist/, so that other tests reading dist/ never see it half
 * written.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS, type ResourceKind } from "../../src/model/resources.ts";
import { REPO_ROOT } from "./cli.ts";

/** A package root named scopectl in `dir`: package.json and node_modules (linked), no dist/ yet. */
export function packageRoot(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), readFileSync(path.join(REPO_ROOT, "package.json")));
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/** A package root in `dir` with dist/ built from the current sources by tsc (a few seconds). */
export function buildPackage(dir: string): void {
  packageRoot(dir);
  execFileSync(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      path.join(dir, "dist"),
    ],
    { cwd: REPO_ROOT, stdio: "pipe" },
  );
}

/** The provider text of every kind, made from the build in `dir` as Pulumi makes `__provider`. */
export async function serializeShims(dir: string): Promise<Map<ResourceKind, string>> {
  const shim = await import(pathToFileURL(path.join(dir, "dist/pulumi/shim.js")).href);
  const texts = new Map<ResourceKind, string>();
  for (const kind of RESOURCE_KINDS) {
    const provider = shim.shimProvider(kind);
    // What pulumi.dynamic.Resource does with its provider (dynamic/index.js, serializeFunctionMaybeSecret).
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    texts.set(kind, serialized.text);
  }
  return texts;
}
