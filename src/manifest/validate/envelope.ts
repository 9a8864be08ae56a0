/**
 * The first look at a manifest: its apiVersion and kind. They decide which schema applies, so they are
 * checked by hand first, with messages that say what the right values are.
 */
import type { Diagnostic } from "../../model/diagnostics.ts";
import { didYouMean } from "../../model/did-you-mean.ts";
import { RESOURCE_NAME } from "../../model/names.ts";
import { describeValue, fieldDiagnostic } from "../diagnostics.ts";
import type { ManifestDocument } from "../documents.ts";
import { API_VERSION, isManifestKind, MANIFEST_KINDS, type ManifestKind } from "../schemas/kinds.ts";

export type EnvelopeCheck = { ok: true; kind: ManifestKind } | { ok: false; diagnostics: Diagnostic[] };

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function has(value: unknown, key: string): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, key);
}

export function checkEnvelope(doc: ManifestDocument): EnvelopeCheck {
  const diagnostics: Diagnostic[] = [];
  const apiVersion = field(doc.value, "apiVersion");
  const kind = field(doc.value, "kind");

  if (!has(doc.value, "apiVersion")) {
    diagnostics.push(
      fieldDiagnostic(
        doc,
        [],
        `missing apiVersion: every manifest document starts with apiVersion: ${API_VERSION}`,
      ),
    );
  } else if (apiVersion !== API_VERSION) {
    const shown = typeof apiVersion === "string" ? JSON.stringify(apiVersion) : describeValue(apiVersion);
    const hint = typeof apiVersion === "string" ? didYouMean(apiVersion, [API_VERSION]) : "";
    diagnostics.push(
      fieldDiagnostic(
        doc,
        ["apiVersion"],
        `unknown apiVersion ${shown}${hint || `; this version of scopectl reads ${API_VERSION}`}`,
      ),
    );
  }

  if (!has(doc.value, "kind")) {
    diagnostics.push(fieldDiagnostic(doc, [], `missing kind: one of ${MANIFEST_KINDS.join(", ")}`));
  } else if (!isManifestKind(kind)) {
    const shown = typeof kind === "string" ? JSON.stringify(kind) : describeValue(kind);
    const hint = typeof kind === "string" ? didYouMean(kind, MANIFEST_KINDS) : "";
    diagnostics.push(
      fieldDiagnostic(
        doc,
        ["kind"],
        `unknown kind ${shown}${hint || `; the kinds are ${MANIFEST_KINDS.join(", ")}`}`,
      ),
    );
  }

  if (diagnostics.length > 0 || !isManifestKind(kind)) return { ok: false, diagnostics };
  return { ok: true, kind };
}

/** `metadata.name` when it is a valid name, even if the rest of the document is not. */
export function validName(doc: ManifestDocument): string | undefined {
  const name = field(field(doc.value, "metadata"), "name");
  return typeof name === "string" && RESOURCE_NAME.test(name) ? name : undefined;
}
