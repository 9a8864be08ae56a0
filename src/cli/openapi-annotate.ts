/**
 * `scopectl openapi annotate FILE --api NAME [--server URL] [--out FILE]`: a copy of the spec with the
 * scopectl OAuth 2.0 security scheme and a `security` requirement on every operation naming its
 * generated scope, for validators that read `security` (docs/openapi.md#annotating-a-spec-for-other-validators).
 * This file is the command's input and output; the transform is ../openapi/annotate.ts. The spec is
 * loaded exactly as the import loads it (`openapi preview`'s manifest folder and root), so a spec the
 * import refuses is refused here with the same error. The copy goes to stdout, or to --out, written
 * whole or not at all; notices go to stderr.
 */
import { createHash } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import { folderIssuer } from "../manifest/folder-issuer.ts";
import { SETTINGS_DEFAULTS } from "../manifest/schemas/settings-defaults.ts";
import { findSpecOwners, type SpecOwner } from "../manifest/spec-owners.ts";
import { RESOURCE_NAME } from "../model/names.ts";
import { checkIssuer } from "../model/uris.ts";
import { type AnnotatedSpec, annotateSpec } from "../openapi/annotate.ts";
import { specError } from "../openapi/errors.ts";
import { displayPath, formatOf, type SpecFormat } from "../openapi/files.ts";
import { type LoadedSpec, loadSpec } from "../openapi/load.ts";
import { DEFAULT_MANIFEST_FOLDER } from "./options.ts";
import { note, out, warn } from "./output.ts";

export interface AnnotateOptions {
  api: string;
  server?: string;
  out?: string;
  root?: string;
}

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** --api names an Api: a manifest name, which is also a valid security scheme name after `scopectl_`. */
function apiNameOf(value: string): string {
  if (!RESOURCE_NAME.test(value)) {
    throw new ScopectlError(
      "option.invalid",
      `--api "${value}" is not an Api name: lowercase letters, digits and "-", at most 63 characters (the Api's metadata.name)`,
    );
  }
  return value;
}

/**
 * --server: the token service's base URL, its issuer: https, or http on a loopback host (what a
 * Settings issuer may be); the endpoints in the copy are under it. Never echoed with a password.
 */
function serverOf(value: string): string {
  const problem = checkIssuer(value);
  if (problem) throw new ScopectlError("option.invalid", `--server "${redactUrls(value)}" ${problem}`);
  return value.replace(/\/+$/, "");
}

function outFormatOf(out: string): SpecFormat {
  const format = formatOf(out);
  if (!format) {
    throw new ScopectlError(
      "option.invalid",
      `--out "${out}" must end in .json, .yaml or .yml: its extension says which format to write`,
    );
  }
  return format;
}

interface ManifestContext {
  /** The manifest folder looked in, when there is one. */
  folder: string | undefined;
  owners: SpecOwner[];
}

async function manifestContext(absFile: string, root: string | undefined): Promise<ManifestContext> {
  const folder = root ?? ((await isFolder(DEFAULT_MANIFEST_FOLDER)) ? DEFAULT_MANIFEST_FOLDER : undefined);
  if (folder === undefined) return { folder, owners: [] };
  return { folder, owners: await findSpecOwners(folder, absFile) };
}

/** --server, else the manifest folder's Settings issuer, else the default issuer; says which it took. */
async function serverFor(options: AnnotateOptions, context: ManifestContext): Promise<string> {
  if (options.server !== undefined) return serverOf(options.server);
  const fallback = SETTINGS_DEFAULTS.issuer;
  if (context.folder === undefined) {
    note(
      `--server not given and no manifest folder (${DEFAULT_MANIFEST_FOLDER}/ or --root): using ${fallback}`,
    );
    return fallback;
  }
  const found = await folderIssuer(context.folder);
  if (found.issuer === undefined) {
    warn(
      `the Settings document at ${found.invalid} is invalid (see scopectl validate): using ${fallback}; give --server`,
    );
    return fallback;
  }
  const from =
    found.where === undefined ? `the default issuer: ${context.folder} has no Settings` : found.where;
  note(`--server not given: using the issuer ${found.issuer} (${from})`);
  return found.issuer.replace(/\/+$/, "");
}

/**
 * The spec's text, read again after the loader checked it; the same bytes (by their SHA-256) or the file
 * changed in between, and the copy would not be of the spec that was checked.
 */
async function specText(absFile: string, spec: LoadedSpec): Promise<string> {
  const bytes = await readFile(absFile);
  if (createHash("sha256").update(bytes).digest("hex") !== spec.file.sha256) {
    throw specError(spec.file.path, "the spec changed while it was being read; try again");
  }
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The copy at `out`, whole or not at all: written beside it, then renamed over it. */
async function writeOut(out: string, text: string): Promise<void> {
  const abs = path.resolve(out);
  const temporary = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, { flag: "wx" });
    await rename(temporary, abs);
  } catch (error) {
    // Nothing to remove when the folder is missing (rm would fail the same way): keep the first error.
    await rm(temporary, { force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "its folder does not exist"
        : code === "ENOTDIR"
          ? "a part of its path is a file, not a folder"
          : code === "EISDIR"
            ? "it is a folder"
            : code === "EACCES" || code === "EPERM"
              ? "permission denied"
              : (code ?? String(error));
    throw new ScopectlError(
      "option.invalid",
      `--out "${out}" cannot be written: ${why}; nothing was written`,
    );
  }
}

function method(m: string): string {
  return m.toUpperCase();
}

function printNotices(annotated: AnnotatedSpec, shown: string): void {
  if (annotated.bundled) {
    note(
      `${shown} has $refs to other files: the copy is one document, bundled as the import bundles it (comments and layout are not kept)`,
    );
  }
  for (const p of annotated.inlined) {
    note(
      `paths["${p}"] is a $ref: written inline in the copy, so that its operations carry their own scopes`,
    );
  }
  for (const op of annotated.operations) {
    if (op.replaced === undefined) continue;
    note(
      `${method(op.method)} ${op.path}: its security ${JSON.stringify(op.replaced)} is replaced by ${annotated.schemes.join(" or ")} with ${op.scope}`,
    );
  }
}

export async function runAnnotate(file: string, options: AnnotateOptions): Promise<void> {
  // Every option first: a typo fails before a file is read.
  const api = apiNameOf(options.api);
  const format = options.out === undefined ? undefined : outFormatOf(options.out);
  if (options.server !== undefined) serverOf(options.server);
  const absFile = path.resolve(file);
  const shown = displayPath(process.cwd(), absFile);

  const context = await manifestContext(absFile, options.root);
  const [owner] = context.owners;
  if (owner && !context.owners.some((o) => o.api === api)) {
    warn(
      `${shown} is the spec of Api "${owner.api}" (OpenApiSource "${owner.source}", ${owner.where}), not of "${api}"`,
    );
  }
  const root = owner?.root ?? path.resolve(options.root ?? path.dirname(absFile));
  const spec = await loadSpec(absFile, { root });
  const server = await serverFor(options, context);
  const annotated = annotateSpec(spec, {
    api,
    server,
    text: await specText(absFile, spec),
    ...(format ? { format } : {}),
  });

  // `out` adds the final newline back, and stops quietly if stdout's reader has gone.
  if (options.out === undefined) out(annotated.text.replace(/\n$/, ""));
  else await writeOut(options.out, annotated.text);
  // After the write: a copy that could not be written replaced nothing.
  printNotices(annotated, shown);
  const n = annotated.operations.length;
  note(
    `${shown}: ${n} operation${n === 1 ? "" : "s"} annotated, ${annotated.scopes.length} scope${annotated.scopes.length === 1 ? "" : "s"} under ${annotated.schemes.join(" and ")} (tokens from ${server})${options.out === undefined ? "" : `, written to ${options.out}`}`,
  );
}
