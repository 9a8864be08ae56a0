/**
 * Which OpenApiSources of a manifest folder read a given spec file, with the manual scopes of their Apis:
 * what `scopectl openapi preview` needs to show what the import will do, without importing every spec of
 * the folder. Only reading and validation run (overlays applied), so a broken manifest elsewhere in the
 * folder does not stop a preview; an invalid Api document leaves its manual scopes unknown.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import { formatPlace } from "./diagnostics.ts";
import type { Place } from "./documents.ts";
import { isInside, namesFrom } from "./files.ts";
import { loadLayer } from "./overlay.ts";
import type { ApiManifest, OpenApiSourceManifest } from "./schemas/index.ts";
import { validateDocuments } from "./validate/index.ts";

export interface SpecOwner {
  /** The OpenApiSource's metadata.name. */
  source: string;
  api: string;
  /** The names the Api lists by hand; undefined when its document is invalid or missing (unknown). */
  manualScopes: string[] | undefined;
  /** The folder the spec and its `$ref`s must stay inside: the layer that declares the source. */
  root: string;
  /** The source's `file:` field, as `config/openapi.yaml:9:9`. */
  where: string;
}

async function realOrSelf(abs: string): Promise<string> {
  return realpath(abs).catch(() => abs);
}

/**
 * The OpenApiSources of `folder` whose `file:` is `specFile`, in load order. Files are named from
 * `displayBase` (absolute outside it). Throws an InputError when the folder is missing or not a folder.
 */
export async function findSpecOwners(
  folder: string,
  specFile: string,
  displayBase: string = process.cwd(),
): Promise<SpecOwner[]> {
  const set = await loadLayer(path.resolve(folder), { name: namesFrom(displayBase) });
  const validated = validateDocuments(set);
  const target = await realOrSelf(path.resolve(specFile));
  const apis = new Map<string, ApiManifest | undefined>();
  for (const d of validated.invalid) if (d.kind === "Api") apis.set(d.name, undefined);
  for (const d of validated.documents) if (d.kind === "Api") apis.set(d.name, d.manifest);

  const owners: SpecOwner[] = [];
  for (const d of validated.documents) {
    if (d.kind !== "OpenApiSource") continue;
    const { api, file } = (d.manifest as OpenApiSourceManifest).spec;
    if (file === undefined) continue; // takes uploads: reads no file of the folder
    const place: Place = d.doc.locate(["spec", "file"]);
    // As the loader resolves it (resolve/openapi-sources.ts): relative to the declaring manifest's folder.
    const abs = path.resolve(path.dirname(place.abs), file);
    if (path.isAbsolute(file) || !isInside(place.root, abs)) continue;
    if ((await realOrSelf(abs)) !== target) continue;
    const manifest = apis.get(api);
    owners.push({
      source: d.name,
      api,
      manualScopes: manifest ? (manifest.spec.scopes ?? []).map((s) => s.name) : undefined,
      root: place.root,
      where: formatPlace(place),
    });
  }
  return owners;
}
