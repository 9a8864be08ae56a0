/**
 * The work of `scopectl schema [KIND]`: print the JSON Schema of the manifests, for editors and CI
 * linters. Declared in ../commands/schema.ts, which loads this module only when the command runs.
 */
import { ScopectlError } from "../../core/errors.ts";
import { MANIFEST_KINDS, manifestSchema } from "../../manifest/schemas/index.ts";
import { out } from "../output.ts";

export function printSchema(kind: string | undefined): void {
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
}
