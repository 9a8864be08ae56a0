/**
 * The overlay stage: a folder with an `Overlay` document is its bases plus the documents beside it,
 * the way Kustomize composes a base and an environment. It sits between reading and validation:
 *
 *   readManifestFiles → collectDocuments → (this stage) → validateDocuments → resolveDesiredState
 *
 * A document beside the Overlay with the kind and name of a base document is a JSON Merge Patch
 * (RFC 7396) onto it; any other document is added; `remove` drops base documents. Merged documents
 * answer `locate` from the file that set each value, so later errors point at the right file, and an
 * OpenApiSource's spec is resolved inside the folder of the layer that named it.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../model/diagnostics.ts";
import type { ManifestCache } from "./cache.ts";
import { fieldDiagnostic } from "./diagnostics.ts";
import type { FieldPath, FileNamer, ManifestDocument, ManifestSet } from "./documents.ts";
import type { InputLedger } from "./inputs.ts";
import { collectDocuments, readManifestFiles } from "./read.ts";
import type { OverlayManifest } from "./schemas/index.ts";
import { validateDocument } from "./validate/index.ts";

type PlainMap = Record<string, unknown>;

function isMap(value: unknown): value is PlainMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 7396: maps merge key by key, `null` removes a key, anything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return patch;
  const result: PlainMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Whether the patch itself sets the value at `path` (then the patch's file is where that value lives). */
function patchSets(patch: unknown, fieldPath: FieldPath): boolean {
  let node = patch;
  for (const segment of fieldPath) {
    // A list in a patch replaces the base's list whole: everything under it comes from the patch.
    if (Array.isArray(node)) return true;
    if (!isMap(node) || !Object.hasOwn(node, String(segment))) return false;
    node = node[String(segment)];
  }
  return true;
}

function merged(base: ManifestDocument, patch: ManifestDocument): ManifestDocument {
  return {
    value: mergePatch(base.value, patch.value),
    place: patch.place,
    locate: (fieldPath, at) =>
      patchSets(patch.value, fieldPath) ? patch.locate(fieldPath, at) : base.locate(fieldPath, at),
  };
}

/** Settings is one per tenant: an overlay's Settings patches the base's whatever their names. */
function identity(doc: ManifestDocument): string | undefined {
  const value = doc.value;
  if (!isMap(value) || typeof value.kind !== "string") return undefined;
  if (value.kind === "Settings") return "Settings";
  const metadata = value.metadata;
  return isMap(metadata) && typeof metadata.name === "string" ? `${value.kind}/${metadata.name}` : undefined;
}

function isOverlay(doc: ManifestDocument): boolean {
  return isMap(doc.value) && doc.value.kind === "Overlay";
}

export interface LayerOptions {
  /** How files are named (readManifestFiles' default: relative to the folder the user loaded). */
  name?: FileNamer;
  /** The folders being loaded, outermost first, to refuse cycles. */
  chain?: readonly string[];
  /** Parsed files of earlier loads (cache.ts), for a process that loads again and again. */
  cache?: ManifestCache;
  /** Records what every layer read (inputs.ts). */
  inputs?: InputLedger;
}

/** Loads the folder `root` with its bases applied; every layer's files are named by one namer. */
export async function loadLayer(root: string, options: LayerOptions = {}): Promise<ManifestSet> {
  const chain = options.chain ?? [];
  const read = await readManifestFiles(root, {
    ...(options.name ? { name: options.name } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.inputs ? { inputs: options.inputs } : {}),
  });
  const set = collectDocuments(read);
  const name = read.name;
  const top = chain[0] ?? path.resolve(root);
  // The loaded folder itself has no relative name: "." in a cycle, as the user sees it.
  const folderName = (p: string) => {
    const shown = name(p);
    return p === top && path.isAbsolute(shown) ? "." : shown;
  };
  const overlays = set.manifests.filter(isOverlay);
  if (overlays.length === 0) return set;

  let diagnostics: Diagnostic[] = [...set.diagnostics];
  const own = set.manifests.filter((doc) => !isOverlay(doc));
  for (const extra of overlays.slice(1)) {
    diagnostics.push(
      fieldDiagnostic(
        extra,
        ["kind"],
        "a folder has at most one Overlay document; merge their bases into one",
        "value",
      ),
    );
  }
  const overlayDoc = overlays[0] as ManifestDocument;
  const checked = validateDocument(overlayDoc);
  if (!("valid" in checked)) {
    return { ...set, manifests: own, diagnostics: [...diagnostics, ...checked.diagnostics] };
  }
  const overlay = checked.valid.manifest as OverlayManifest;

  // The bases, in order, as one list of documents.
  let baseDocs: ManifestDocument[] = [];
  let untyped = [...set.untyped];
  let oversized = [...set.oversized];
  const overlayFolder = path.dirname(overlayDoc.place.abs);
  for (const [i, relative] of overlay.spec.bases.entries()) {
    const where: FieldPath = ["spec", "bases", i];
    const abs = path.resolve(overlayFolder, relative);
    if (abs === path.resolve(root) || chain.includes(abs)) {
      const cycle = [...chain, path.resolve(root), abs].map(folderName).join(" → ");
      diagnostics.push(fieldDiagnostic(overlayDoc, where, `the bases form a cycle: ${cycle}`));
      continue;
    }
    const kind = await stat(abs).then(
      (s) => (s.isDirectory() ? "folder" : "file"),
      () => "missing",
    );
    if (kind !== "folder") {
      const what = kind === "missing" ? "does not exist" : "is not a folder";
      diagnostics.push(fieldDiagnostic(overlayDoc, where, `the base ${JSON.stringify(relative)} ${what}`));
      continue;
    }
    const base = await loadLayer(abs, {
      name,
      chain: [...chain, path.resolve(root)],
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.inputs ? { inputs: options.inputs } : {}),
    });
    // concat, not push(...): a spread passes every element as an argument, and a large base overflows the stack.
    baseDocs = baseDocs.concat(base.manifests);
    untyped = untyped.concat(base.untyped);
    oversized = oversized.concat(base.oversized);
    diagnostics = diagnostics.concat(base.diagnostics);
  }

  for (const [i, entry] of (overlay.spec.remove ?? []).entries()) {
    const key = entry.kind === "Settings" ? "Settings" : `${entry.kind}/${entry.name}`;
    const before = baseDocs.length;
    baseDocs = baseDocs.filter((doc) => identity(doc) !== key);
    if (baseDocs.length === before) {
      diagnostics.push(
        fieldDiagnostic(
          overlayDoc,
          ["spec", "remove", i],
          `no base document is ${entry.kind} "${entry.name}"`,
        ),
      );
    }
  }

  // This folder's documents patch the base document of the same identity, or are added.
  const index = new Map<string, number>();
  baseDocs.forEach((doc, i) => {
    const key = identity(doc);
    if (key !== undefined && !index.has(key)) index.set(key, i);
  });
  const manifests = [...baseDocs];
  for (const doc of own) {
    const key = identity(doc);
    const at = key === undefined ? undefined : index.get(key);
    if (at === undefined) manifests.push(doc);
    else manifests[at] = merged(manifests[at] as ManifestDocument, doc);
  }
  return { root: set.root, name, manifests, untyped, oversized, diagnostics };
}
