/**
 * The `yaml` package, loaded on first use. Only the careful parse needs it (positions, and the files
 * the fast path declines, core/yaml-fast-load.ts), so a command that reads only clean files never loads
 * its 73 modules (about 25 ms of every `scopectl validate`: docs/benchmarks.md#cli-start-up). Required,
 * not imported: a dynamic import would make the careful parse, and every position, asynchronous.
 */
import { createRequire } from "node:module";

export type YamlPackage = typeof import("yaml");

let loaded: YamlPackage | undefined;

export function yaml(): YamlPackage {
  loaded ??= createRequire(import.meta.url)("yaml") as YamlPackage;
  return loaded;
}
