/**
 * The issuer a manifest folder's Settings declare, for a command that needs the token service's URL
 * without opening a store (`scopectl openapi annotate`'s default --server). Only reading and schema
 * validation run (overlays applied), as for findSpecOwners, so a broken manifest elsewhere in the folder
 * does not matter; a Settings document that is itself invalid gives no issuer.
 */
import path from "node:path";
import { checkIssuer } from "../model/uris.ts";
import { formatPlace } from "./diagnostics.ts";
import { namesFrom } from "./files.ts";
import { loadLayer } from "./overlay.ts";
import type { SettingsManifest } from "./schemas/settings.ts";
import { SETTINGS_DEFAULTS } from "./schemas/settings-defaults.ts";
import { validateDocuments } from "./validate/index.ts";

export type FolderIssuer =
  /** `where`: the Settings field it came from (`config/settings.yaml:7:11`), or undefined for the default. */
  | { issuer: string; where: string | undefined }
  /** The folder's Settings document is invalid (its issuer, or another field): `where` is the document. */
  | { issuer?: undefined; invalid: string };

/**
 * The issuer of `folder`'s Settings, the default (http://localhost:8080) when it has none. Throws an
 * InputError when the folder is missing or not a folder. Files are named from `displayBase`.
 */
export async function folderIssuer(
  folder: string,
  displayBase: string = process.cwd(),
): Promise<FolderIssuer> {
  const set = await loadLayer(path.resolve(folder), { name: namesFrom(displayBase) });
  const validated = validateDocuments(set);
  const invalid = validated.invalid.find((d) => d.kind === "Settings");
  if (invalid) return { invalid: formatPlace(invalid.doc.place) };
  const settings = validated.documents.find((d) => d.kind === "Settings");
  const issuer = (settings?.manifest as SettingsManifest | undefined)?.spec.issuer;
  if (!settings || issuer === undefined) return { issuer: SETTINGS_DEFAULTS.issuer, where: undefined };
  // The schema's pattern is looser than the rule `scopectl validate` applies (https, or http on loopback).
  if (checkIssuer(issuer) !== undefined) return { invalid: formatPlace(settings.doc.place) };
  return { issuer, where: formatPlace(settings.doc.locate(["spec", "issuer"])) };
}
