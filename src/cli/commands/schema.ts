/** `scopectl schema [KIND]`: the JSON Schema of the manifests, for editors and CI linters. */
import type { Command } from "commander";
import { ScopectlError } from "../../core/errors.ts";
import { MANIFEST_KINDS, manifestSchema } from "../../manifest/schemas/index.ts";
import { out } from "../output.ts";

export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of one manifest kind, or of any manifest document")
    .argument("[kind]", `one of ${MANIFEST_KINDS.join(", ")}`)
    .action((kind?: string) => {
      let match: string | undefined;
      if (kind !== undefined) {
        const wanted = kind.toLowerCase();
        match = MANIFEST_KINDS.find((k) => k.toLowerCase() === wanted);
        if (!match)
          throw new ScopectlError(
            "input.unknown-kind",
            `unknown kind "${kind}"; the kinds are ${MANIFEST_KINDS.join(", ")}`,
          );
      }
      out(JSON.stringify(manifestSchema(match), null, 2));
    });
}
