/**
 * OpenApiSources: check the Api and the file path, import each spec (src/openapi) and add its generated
 * scopes to the Api after the manual ones. A name the Api already lists by hand stays manual (the import
 * log records the operation as a duplicate), so a scope never has two owners.
 */
import path from "node:path";
import type {
  DesiredApi,
  DesiredOpenApiSource,
  DesiredSettings,
  DesiredUploadSource,
} from "../../model/desired.ts";
import { type Diagnostic, InputError } from "../../model/diagnostics.ts";
import { isManagementPermission } from "../../model/management.ts";
import { isReservedScopeName } from "../../model/names.ts";
import { importSpec } from "../../openapi/index.ts";
import type { SpecImport } from "../../openapi/types.ts";
import type { ManifestCache } from "../cache.ts";
import { diagnosticAt, formatPlace } from "../diagnostics.ts";
import type { ManifestDocument, Place } from "../documents.ts";
import { isInside } from "../files.ts";
import type { InputLedger } from "../inputs.ts";
import { reservedPermissionMessage } from "./apis.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { checkReference } from "./references.ts";

export interface OpenApiResolution {
  sources: Map<string, DesiredOpenApiSource>;
  /** Sources with `upload: true`: nothing to import here. */
  uploads: Map<string, DesiredUploadSource>;
  /** Absolute paths of every file a spec import read: YAML among them are spec fragments, not manifests. */
  filesRead: Set<string>;
  /** True when an import failed: which files its spec would have read is then unknown. */
  importFailed: boolean;
}

interface ImportJob {
  name: string;
  api: string;
  abs: string;
  /** The folder the spec and its `$ref`s must stay inside. */
  root: string;
  /** Where the `file:` field is: named in every error of the import (located only then). */
  filePlace: () => Place;
  source: DesiredOpenApiSource["source"];
}

/** The spec path of a source, resolved against the folder of the manifest that declares it. */
function resolveSpecPath(
  ctx: Resolution,
  filePlace: Pick<Place, "abs" | "root">,
  file: string,
): { abs: string } | { error: string } {
  if (path.isAbsolute(file) || path.win32.isAbsolute(file)) {
    return {
      error: `spec file "${file}" is an absolute path; give a path relative to this manifest's folder`,
    };
  }
  const abs = path.resolve(path.dirname(filePlace.abs), file);
  if (!isInside(filePlace.root, abs)) {
    // With layered folders (overlays) each layer's specs stay inside that layer's folder: name it.
    const folder =
      filePlace.root === ctx.root ? "the manifest folder" : `its folder ${ctx.name(filePlace.root)}`;
    return { error: `spec file "${file}" is outside ${folder}; the spec must stay inside it` };
  }
  return { abs };
}

/**
 * The import's diagnostics name the spec relative to the root we gave it; re-base them onto the loaded
 * folder and say which OpenApiSource referenced the spec, so the user can find both ends.
 */
function rebase(ctx: Resolution, job: ImportJob, error: InputError): Diagnostic[] {
  return error.diagnostics.map((d) => ({
    ...d,
    file: ctx.name(path.resolve(job.root, d.file)),
    message: `${d.message} (spec of OpenApiSource "${job.name}", ${formatPlace(job.filePlace())})`,
  }));
}

function merge(api: DesiredApi, result: SpecImport): string[] {
  const taken = new Set(api.scopes.map((s) => s.name));
  const owned: string[] = [];
  for (const scope of result.scopes) {
    // The import already skips reserved and manual names; checked again so that this module alone
    // guarantees "each name once, never reserved" for the desired state.
    if (taken.has(scope.name) || isReservedScopeName(scope.name)) continue;
    taken.add(scope.name);
    api.scopes.push({ api: api.name, name: scope.name, description: scope.description, origin: "openapi" });
    owned.push(scope.name);
  }
  return owned;
}

export async function resolveOpenApiSources(
  ctx: Resolution,
  apis: Map<string, DesiredApi>,
  settings: DesiredSettings,
  cache?: ManifestCache,
  inputs?: InputLedger,
): Promise<OpenApiResolution> {
  const out: OpenApiResolution = {
    sources: new Map(),
    uploads: new Map(),
    filesRead: new Set(),
    importFailed: false,
  };
  const claimed = new Map<string, { name: string; doc: ManifestDocument }>();
  const jobs: ImportJob[] = [];

  for (const { name, doc, manifest } of ctx.valid("OpenApiSource")) {
    const { api, file, upload } = manifest.spec;
    if (!checkReference(ctx, "Api", doc, ["spec", "api"], api)) continue;
    const first = claimed.get(api);
    if (first) {
      ctx.report(
        doc,
        ["spec", "api"],
        `Api "${api}" already has an OpenApiSource, "${first.name}" (${formatPlace(first.doc.locate(["spec", "api"]))}); an Api has at most one`,
      );
      continue;
    }
    claimed.set(api, { name, doc });
    // The management Api's scopes are the product's permissions (apis.ts): no spec adds to them.
    if (apis.get(api)?.audience === settings.managementAudience) {
      ctx.report(
        doc,
        ["spec", "api"],
        `Api "${api}" takes the management audience (Settings.managementAudience): its scopes are the built-in management API's permissions, so no OpenAPI spec may generate scopes for it`,
      );
      continue;
    }

    if ((file === undefined) === (upload === undefined)) {
      ctx.report(
        doc,
        ["spec"],
        `an OpenApiSource has exactly one of "file" (a spec in this folder) and "upload: true" (a spec uploaded over HTTP); this one has ${file === undefined ? "neither" : "both"}`,
      );
      const scopes = ctx.scopes.get(api);
      if (scopes) scopes.complete = false;
      continue;
    }
    if (file === undefined) {
      out.uploads.set(name, { name, api, source: sourcePosition(doc) });
      const scopes = ctx.scopes.get(api);
      if (scopes) scopes.uploads = true;
      continue;
    }

    // The file that set `file:` (with overlays, a patch or its base); its line only if an error needs it.
    const fileOrigin = doc.locate(["spec", "file"], "file");
    const filePlace = () => doc.locate(["spec", "file"]);
    const resolved = resolveSpecPath(ctx, fileOrigin, file);
    if ("error" in resolved) {
      ctx.report(doc, ["spec", "file"], resolved.error);
      const scopes = ctx.scopes.get(api);
      if (scopes) scopes.complete = false;
      continue;
    }
    jobs.push({
      name,
      api,
      abs: resolved.abs,
      root: fileOrigin.root,
      filePlace,
      source: sourcePosition(doc),
    });
  }

  // Imports are independent: run them together, then merge in load order so results are deterministic.
  const results = await Promise.allSettled(
    jobs.map((job) => {
      const manualScopes = new Set(apis.get(job.api)?.scopes.map((s) => s.name));
      const options = { root: job.root, manualScopes };
      return cache ? cache.importSpec(job.abs, options, importSpec) : importSpec(job.abs, options);
    }),
  );

  results.forEach((result, i) => {
    const job = jobs[i] as ImportJob;
    const scopes = ctx.scopes.get(job.api);
    if (result.status === "rejected") {
      // Anything but an InputError is a bug in the import, not a problem with the user's input.
      if (!(result.reason instanceof InputError)) throw result.reason;
      for (const d of rebase(ctx, job, result.reason)) ctx.diagnostics.push(d);
      out.importFailed = true;
      if (scopes) scopes.complete = false;
      return;
    }
    const imported = result.value;
    for (const f of imported.filesRead) out.filesRead.add(path.resolve(f));
    // The import hashes the spec's own bytes; the files its $refs pull in are read but not hashed each.
    if (imported.filesRead.length === 1 && imported.filesRead[0] === job.abs) {
      inputs?.read(job.abs, "bytes", imported.file.sha256);
    } else inputs?.decline(`the spec ${job.abs} reads other files through $ref`);
    const api = apis.get(job.api);
    if (!api) return; // the Api's own document failed its schema: reported there
    // A generated name may be a management permission (DELETE /api-scopes gives delete:api_scopes).
    const permissions = imported.scopes.filter((scope) => isManagementPermission(scope.name));
    if (permissions.length > 0) {
      for (const scope of permissions) {
        const message = reservedPermissionMessage(
          `the spec generates "${scope.name}" (${scope.method.toUpperCase()} ${scope.path}),`,
          settings,
        );
        ctx.diagnostics.push(
          diagnosticAt(job.filePlace(), `${message} (spec of OpenApiSource "${job.name}")`, ["spec", "file"]),
        );
      }
      if (scopes) scopes.complete = false;
      return;
    }
    const owned = merge(api, imported);
    for (const s of owned) scopes?.names.add(s);
    out.sources.set(job.name, {
      name: job.name,
      api: job.api,
      file: imported.file,
      specVersion: imported.specVersion,
      scopes: owned,
      log: imported.log,
      source: job.source,
    });
  });
  return out;
}
