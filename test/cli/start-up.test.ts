/**
 * What every command line loads before the command runs (docs/benchmarks.md#cli-start-up): the entry
 * point's and the program's static imports, followed to the end. They must reach no package (commander
 * and picocolors are required by name, CommonJS, where they are used) and no command's work: each
 * declaration (src/cli/commands/) loads its action with a dynamic import, when it runs. A value
 * imported at the top of a shared file would otherwise put Ajv, Express or the store back into
 * `scopectl --help`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const SRC = path.resolve(import.meta.dirname, "../../src");

/** The specifiers `file` imports at load: static imports and re-exports, less type-only ones. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return found;
}

/** Every file of src/ the entry points load statically, and every package or built-in they name. */
function closure(entries: readonly string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => path.join(SRC, e));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) queue.push(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return { files: new Set([...files].map((f) => path.relative(SRC, f))), packages };
}

describe("CLI start-up", { timeout: SUITE_TIMEOUT_MS }, () => {
  const entry = closure(["cli/main.ts"]);
  const program = closure(["cli/main.ts", "cli/program.ts"]);

  test("the entry point loads only what --version needs, and the program dynamically", () => {
    assert.deepEqual([...entry.files].sort(), ["cli/main.ts", "cli/pipes.ts", "cli/version.ts"]);
    assert.deepEqual([...entry.packages].sort(), ["node:module"]);
    assert.match(readFileSync(path.join(SRC, "cli/main.ts"), "utf8"), /await import\("\.\/program\.ts"\)/);
  });

  test("the program and every declaration import no package, only Node's built-ins", () => {
    const packages = [...program.packages].filter((p) => !p.startsWith("node:"));
    assert.deepEqual(packages, [], `loaded for every command line: ${packages.join(", ")}`);
  });

  test("every command's declaration is loaded, and no command's work", () => {
    const declarations = [...program.files].filter((f) => f.startsWith("cli/commands/"));
    assert.equal(declarations.length, 14, declarations.join(", "));
    const work = [...program.files].filter(
      (f) => f.startsWith("cli/actions/") || !/^(cli|core|model|manifest\/schemas|server)\//.test(f),
    );
    assert.deepEqual(work, []);
    assert.ok(
      program.files.size <= 30,
      `${program.files.size} files: ${[...program.files].sort().join(", ")}`,
    );
  });

  test("the check sees value imports and skips type-only ones", () => {
    const file = path.join(SRC, "cli/commands/plan.ts");
    const imports = staticImports(file);
    assert.ok(imports.includes("../options.ts"));
    assert.ok(!imports.includes("commander"), "plan.ts imports commander's types only");
  });
});
