/**
 * Shared state of stage (c), resolution: the diagnostics collected so far, the declared names of every
 * kind (the targets of references), and the scopes each Api ends up with.
 */
import type { SourcePosition, UploadedScopeReference } from "../../model/desired.ts";
import type { Diagnostic } from "../../model/diagnostics.ts";
import { fieldDiagnostic } from "../diagnostics.ts";
import type { FieldPath, FileNamer, LocateTarget, ManifestDocument } from "../documents.ts";
import type { ManifestByKind, ManifestKind } from "../schemas/index.ts";

/** One declaration of a name. `manifest` is absent when the document failed its schema. */
export interface Declaration<K extends ManifestKind> {
  name: string;
  doc: ManifestDocument;
  manifest?: ManifestByKind[K];
}

export type NameTables = { [K in ManifestKind]: Map<string, Declaration<K>> };

/** What references to an Api's scopes are checked against. */
export interface ApiScopeSet {
  /** Manual, then generated; each name once. */
  names: Set<string>;
  /**
   * False when the Api's document or its OpenApiSource's import failed: its scope list is unknown, so
   * references to its scopes are not reported as unknown (the real error is reported already).
   */
  complete: boolean;
  /**
   * True when the Api takes its spec by upload: a name it does not list may be one an upload generated,
   * which only the store knows (Resolution.uploadedScopeReferences).
   */
  uploads?: boolean;
}

export class Resolution {
  readonly diagnostics: Diagnostic[] = [];
  readonly scopes = new Map<string, ApiScopeSet>();
  readonly uploadedScopeReferences: UploadedScopeReference[] = [];

  constructor(
    readonly root: string,
    readonly names: NameTables,
    /** How files are named in diagnostics: as the manifests' own places name them. */
    readonly name: FileNamer,
  ) {}

  report(doc: ManifestDocument, path: FieldPath, message: string, at: LocateTarget = "value"): void {
    this.diagnostics.push(fieldDiagnostic(doc, path, message, at));
  }

  /** Valid declarations of a kind, in load order. */
  valid<K extends ManifestKind>(kind: K): Array<Declaration<K> & { manifest: ManifestByKind[K] }> {
    const out: Array<Declaration<K> & { manifest: ManifestByKind[K] }> = [];
    for (const d of (this.names[kind] as Map<string, Declaration<K>>).values()) {
      if (d.manifest !== undefined) out.push(d as Declaration<K> & { manifest: ManifestByKind[K] });
    }
    return out;
  }
}

/** Where a resource was declared: the start of its document. */
export function sourcePosition(doc: ManifestDocument): SourcePosition {
  return { file: doc.place.file, line: doc.place.line ?? 1, column: doc.place.column ?? 1 };
}
