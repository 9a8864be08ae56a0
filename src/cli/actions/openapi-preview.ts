/**
 * The work of `scopectl openapi preview FILE`: the scopes an OpenAPI spec would generate, and the import
 * log. When an OpenApiSource of the manifest folder (`config`, or `--root`) reads FILE, the preview is
 * that import: its Api's manual scopes are duplicates, and the spec is confined to that source's folder.
 * Declared in ../commands/openapi.ts, which loads this module only when the command runs.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { findSpecOwners, type SpecOwner } from "../../manifest/spec-owners.ts";
import { importSpec } from "../../openapi/index.ts";
import type { SpecImport } from "../../openapi/types.ts";
import type { PreviewOptions } from "../commands/openapi.ts";
import { describeLogEntry, logCounts } from "../import-log-text.ts";
import { DEFAULT_MANIFEST_FOLDER } from "../options.ts";
import { colors, out, table } from "../output.ts";

/** Whose import the preview is: an OpenApiSource of the manifest folder, or none (the spec alone). */
type Context = { owner: SpecOwner; others: SpecOwner[] } | { owner?: undefined; why: string };

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function previewContext(absFile: string, root: string | undefined): Promise<Context> {
  const folder = root ?? ((await isFolder(DEFAULT_MANIFEST_FOLDER)) ? DEFAULT_MANIFEST_FOLDER : undefined);
  if (folder === undefined) {
    return { why: `no manifest folder (${DEFAULT_MANIFEST_FOLDER}/ does not exist here; give --root)` };
  }
  const [owner, ...others] = await findSpecOwners(folder, absFile);
  if (!owner) return { why: `no OpenApiSource in ${folder} reads this file` };
  return { owner, others };
}

export async function preview(file: string, options: PreviewOptions): Promise<void> {
  const absFile = path.resolve(file);
  const context = await previewContext(absFile, options.root);
  const root = context.owner?.root ?? path.resolve(options.root ?? path.dirname(absFile));
  const manualScopes = new Set(context.owner?.manualScopes ?? []);
  const result = await importSpec(absFile, { root, manualScopes });
  if (options.json) {
    out(JSON.stringify(toJson(result, context), null, 2));
    return;
  }
  printPreview(result, context);
}

function toJson(result: SpecImport, context: Context) {
  const owner = context.owner;
  return {
    source: owner
      ? { name: owner.source, api: owner.api, file: owner.where, manualScopes: owner.manualScopes ?? null }
      : null,
    scopes: result.scopes.map(({ name, description, method, path }) => ({ name, description, method, path })),
    log: result.log,
  };
}

/** One line that says whose import this is, and what the preview cannot know (the store). */
function contextLine(context: Context): string {
  if (!context.owner) return `${context.why}: no Api's manual scopes are counted`;
  const { owner, others } = context;
  const head = `Api "${owner.api}" (OpenApiSource "${owner.source}", ${owner.where})`;
  const also = others.map((o) => `; also read by OpenApiSource "${o.source}" of Api "${o.api}"`).join("");
  if (owner.manualScopes === undefined) {
    return `${head}: its document is invalid, so its manual scopes are not counted (see scopectl validate)${also}`;
  }
  const n = owner.manualScopes.length;
  const manual =
    n === 0
      ? "it lists no manual scopes"
      : `it lists ${n} manual scope${n === 1 ? "" : "s"}: an operation that generates one is a duplicate, as in the import`;
  return `${head}: ${manual}${also}`;
}

function printPreview(result: SpecImport, context: Context): void {
  out(
    `${colors.bold(result.file.path)} (${result.specVersion}, ${result.file.size} bytes, sha256 ${result.file.sha256})`,
  );
  out(contextLine(context));
  out(
    colors.dim(
      "Scopes the store already holds show as duplicates in scopectl plan, which compares with the store.",
    ),
  );
  out();
  const rows = [["SCOPE", "OPERATION", "DESCRIPTION"]];
  for (const s of result.scopes) rows.push([s.name, `${s.method.toUpperCase()} ${s.path}`, s.description]);
  for (const line of table(rows)) out(line);
  const notable = result.log.filter((e) => e.action !== "created");
  if (notable.length > 0) {
    out();
    for (const entry of notable) out(colors.yellow(describeLogEntry(entry)));
  }
  out();
  out(logCounts(result.log));
}
