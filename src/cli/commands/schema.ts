/** `scopectl schema [KIND]`: the JSON Schema of the manifests, for editors and CI linters. */
import type { Command } from "commander";
import { MANIFEST_KINDS } from "../../manifest/schemas/kinds.ts";

export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of one manifest kind, or of any manifest document")
    .argument("[kind]", `one of ${MANIFEST_KINDS.join(", ")}`)
    .action(async (kind?: string) => (await import("../actions/schema.ts")).printSchema(kind));
}
