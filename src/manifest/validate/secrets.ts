/**
 * Secrets never live in git (docs/manifests.md, docs/security.md). An Application's `secret` may only name an environment
 * variable; anything else (a string, a `value:` key, ...) is reported as an inline secret before the
 * schema runs, without echoing the value, so a leaked secret is not copied into CI logs as well.
 */
import type { Diagnostic } from "../../model/diagnostics.ts";
import { fieldDiagnostic } from "../diagnostics.ts";
import type { FieldPath, ManifestDocument } from "../documents.ts";

export const SECRET_PATH: FieldPath = ["spec", "secret"];

function isOnlyFromEnv(secret: unknown): boolean {
  if (secret === null || typeof secret !== "object" || Array.isArray(secret)) return false;
  const keys = Object.keys(secret);
  return keys.length === 1 && keys[0] === "fromEnv";
}

/** The inline-secret diagnostic for an Application, or undefined when its secret (if any) is well-formed. */
export function inlineSecret(doc: ManifestDocument): Diagnostic | undefined {
  const spec = (doc.value as { spec?: unknown }).spec;
  if (spec === null || typeof spec !== "object" || !Object.hasOwn(spec, "secret")) return undefined;
  const secret = (spec as { secret: unknown }).secret;
  if (isOnlyFromEnv(secret)) return undefined;
  return fieldDiagnostic(
    doc,
    SECRET_PATH,
    "inline secret: a secret never goes in git; write `secret: {fromEnv: ENV_VAR_NAME}` to read it from an environment variable, or leave `secret` out to have one generated",
  );
}
