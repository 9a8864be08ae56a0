/**
 * One measurement, in its own process (spawned by run.ts): prints `{"ms": N, "operations": N, "maxRssMb": N}`
 * on stdout.
 *   json-parse FILE     read the file and JSON.parse it: the JSON floor.
 *   js-yaml-parse FILE  read the file and js-yaml's `load` (the js-yaml of package.json): the YAML floor.
 *   yaml-parse FILE     read the file and the `yaml` package's `parse`: what a YAML import cost before the
 *                       fast path, kept so that before and after stay visible.
 *   import FILE         the full importSpec: read, checks, parse, validation, generation.
 * Modules are loaded before the clock starts; everything the import does lazily (compiling the schema
 * validator, first runs of cold code) is inside the measurement, as it would be in a CLI run.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { load as jsYamlLoad } from "js-yaml";
import { parse as yamlParse } from "yaml";
import { importSpec } from "../../src/openapi/index.ts";

const MODES = ["json-parse", "js-yaml-parse", "yaml-parse", "import"];

const [mode, file] = process.argv.slice(2);
if (!file || !MODES.includes(mode ?? "")) {
  console.error(`usage: measure.ts ${MODES.join("|")} FILE`);
  process.exit(2);
}

const started = performance.now();
let operations = 0;
if (mode === "import") {
  const result = await importSpec(path.resolve(file), { root: path.dirname(path.resolve(file)) });
  operations = result.log.length;
} else {
  const text = await readFile(file, "utf8");
  const value: unknown =
    mode === "json-parse" ? JSON.parse(text) : mode === "js-yaml-parse" ? jsYamlLoad(text) : yamlParse(text);
  if (value === null || typeof value !== "object") throw new Error("not a document");
}
const ms = performance.now() - started;
// Peak resident memory of the whole process (KiB on Linux), module loading included.
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ ms, operations, maxRssMb }));
