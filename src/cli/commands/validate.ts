/** `scopectl validate [DIR]`: load every manifest and spec of a folder and report all problems at once. */
import type { Command } from "commander";

export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description(
      "check the manifests of a folder: schemas, references and OpenAPI specs; exit 1 on any error",
    )
    .argument("[dir]", "folder of manifests", "config")
    .action(async (dir: string) => (await import("../actions/validate.ts")).validate(dir));
}
