/**
 * One measurement, in its own process (spawned by run.ts): prints `{"ms": N}` on stdout.
 *   baseline FILE  read the file and parse it bare (JSON.parse, or yaml's parse): the floor.
 *   import FILE    the full importSpec: read, checks, parse, validation, generation.
 * Modules are loaded before the clock starts; everything the import does lazily (compiling the schema
 * validator, first runs of cold code) is inside the measurement, as it would be in a CLI run.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { importSpec } from "../../src/openapi/index.ts";

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== "baseline" && mode !== "import")) {
  console.error("usage: measure.ts baseline|import FILE");
  process.exit(2);
}

const started = performance.now();
let operations = 0;
if (mode === "baseline") {
  const text = await readFile(file, "utf8");
  const value: unknown = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  if (value === null || typeof value !== "object") throw new Error("not a document");
} else {
  const result = await importSpec(path.resolve(file), { root: path.dirname(path.resolve(file)) });
  operations = result.log.length;
}
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, operations }));
