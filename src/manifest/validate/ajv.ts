/** Ajv's verdict on one document: the errors of its kind's validator (validators.ts). */
import type { ErrorObject } from "ajv";
import type { ManifestKind } from "../schemas/kinds.ts";
import { kindValidators } from "./validators.ts";

/** Validates `value` as a whole document of `kind`; returns Ajv's errors, or [] when valid. */
export function schemaErrors(kind: ManifestKind, value: unknown): ErrorObject[] {
  const validate = kindValidators().get(kind);
  if (!validate) throw new Error(`no validator for kind ${kind}`);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
