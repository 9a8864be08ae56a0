/**
 * `scopectl openapi preview FILE`: the scopes an OpenAPI spec would generate, and the import log. When an
 * OpenApiSource of the manifest folder (`config`, or `--root`) reads FILE, the preview is that import:
 * its Api's manual scopes are duplicates, and the spec is confined to that source's folder.
 *
 * `scopectl openapi upload FILE --api NAME --server URL`: the spec sent to the server, for an Api that
 * takes uploads (its work: ../openapi-upload.ts and ../upload-client.ts).
 *
 * `scopectl openapi annotate FILE --api NAME`: a copy of the spec whose operations require their
 * generated scopes in `security`, for other validators (its work: ../openapi-annotate.ts).
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { type Command, Option } from "commander";
import { findSpecOwners, type SpecOwner } from "../../manifest/spec-owners.ts";
import { importSpec } from "../../openapi/index.ts";
import type { SpecImport } from "../../openapi/types.ts";
import { describeLogEntry, logCounts } from "../import-log-text.ts";
import { withJsonErrors } from "../json-errors.ts";
import { type AnnotateOptions, DEFAULT_MANIFEST_FOLDER, runAnnotate } from "../openapi-annotate.ts";
import { registerRouteCommand } from "../openapi-route.ts";
import { AUDIENCE_ENV, DEFAULT_TIMEOUT_SECONDS, runUpload, type UploadOptions } from "../openapi-upload.ts";
import { colors, out, table } from "../output.ts";
import { CLIENT_ID_ENV, CLIENT_SECRET_ENV } from "../upload-options.ts";

/** The manifest folder a preview looks in when `--root` is not given. */
const DEFAULT_FOLDER = "config";

/** Whose import the preview is: an OpenApiSource of the manifest folder, or none (the spec alone). */
type Context = { owner: SpecOwner; others: SpecOwner[] } | { owner?: undefined; why: string };

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function previewContext(absFile: string, root: string | undefined): Promise<Context> {
  const folder = root ?? ((await isFolder(DEFAULT_FOLDER)) ? DEFAULT_FOLDER : undefined);
  if (folder === undefined) {
    return { why: `no manifest folder (${DEFAULT_FOLDER}/ does not exist here; give --root)` };
  }
  const [owner, ...others] = await findSpecOwners(folder, absFile);
  if (!owner) return { why: `no OpenApiSource in ${folder} reads this file` };
  return { owner, others };
}

export function registerOpenApiCommand(program: Command): void {
  const openapi = program.command("openapi").description("work with OpenAPI specs that generate scopes");
  openapi
    .command("preview")
    .description("show the scopes a spec would generate (one per operation) and the import log")
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml)")
    .option(
      "--root <dir>",
      `the manifest folder (default: ${DEFAULT_FOLDER}, when it exists): when an OpenApiSource there reads the file, preview that import, with its Api's manual scopes; otherwise the folder the spec and its $refs must stay inside (default: the spec's folder)`,
    )
    .option(
      "--json",
      'print {"source":{...}|null,"scopes":[...],"log":[...]} as JSON; errors too, as {"error": ...}',
    )
    .action((file: string, options: { root?: string; json?: boolean }) =>
      withJsonErrors(options.json, async () => {
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
      }),
    );
  registerUploadCommand(openapi);
  registerAnnotateCommand(openapi);
  registerRouteCommand(openapi);
}

/** `openapi upload`: for an API repository's CI (docs/management-api.md#uploading-a-spec). */
function registerUploadCommand(openapi: Command): void {
  openapi
    .command("upload")
    .description(
      "upload a spec to the server, for an Api whose OpenApiSource says upload: true (from the API's own CI)",
    )
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml), at most 20 MB, one document")
    .requiredOption("--api <name>", "the Api to upload to, by name (its OpenApiSource must say upload: true)")
    .requiredOption(
      "--server <url>",
      "the token service's base URL, e.g. https://auth.example.com (https; http only on a loopback host)",
    )
    .option(
      "--dry-run",
      "show the import log the upload would make, write nothing; exit 2 when it would change something",
    )
    .addOption(
      new Option(
        "--audience <url>",
        "the management audience to ask a token for (default: {issuer}/v1, the issuer from the server's discovery document)",
      ).env(AUDIENCE_ENV),
    )
    .option(
      "--timeout <seconds>",
      "how long to wait for each answer of the server",
      String(DEFAULT_TIMEOUT_SECONDS),
    )
    .option("--json", 'print the server\'s answer as JSON; errors too, as {"error": ..., "code": ...}')
    .addHelpText(
      "after",
      `
Credentials (never flags: argv shows in ps and in CI logs):
  ${CLIENT_ID_ENV}      client id of an m2m Application authorized for the management Api
  ${CLIENT_SECRET_ENV}  its client secret (from the CI's secret store)
The client needs create:api_scopes and update:apis for a first upload, and delete:api_scopes too to
replace an import. The token is asked for no scope: the server grants every permission the client has.

Exit codes: 0 applied, or no changes (the file is the active one); 2 --dry-run and the upload would change
something; 1 any error (the server's refusal: a missing permission, a scope still granted, a bad spec).

Examples:
  scopectl openapi upload build/openapi.yaml --api orders --server https://auth.example.com --dry-run
  scopectl openapi upload build/openapi.yaml --api orders --server https://auth.example.com`,
    )
    .action((file: string, options: UploadOptions) =>
      withJsonErrors(options.json, () => runUpload(file, options)),
    );
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

/** `openapi annotate`: the spec with the generated scopes as `security`, for other validators (../openapi-annotate.ts). */
function registerAnnotateCommand(openapi: Command): void {
  openapi
    .command("annotate")
    .description(
      "write a copy of a spec whose operations each require their generated scope (an OAuth 2.0 security scheme with the server's endpoints), for validators and gateways that read security",
    )
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml)")
    .requiredOption("--api <name>", "the Api whose scopes these are, by name: the scheme is scopectl_<name>")
    .option(
      "--server <url>",
      `the token service's base URL (its issuer), e.g. https://auth.example.com; https, or http on a loopback host (default: the issuer of the manifest folder's Settings, else http://localhost:8080)`,
    )
    .option(
      "--out <file>",
      "write the copy here (.json or .yaml/.yml: the format to write), whole or not at all (default: stdout, in the spec's format)",
    )
    .option(
      "--root <dir>",
      `the manifest folder (default: ${DEFAULT_MANIFEST_FOLDER}, when it exists), as for preview: the spec is loaded as its OpenApiSource's import loads it, and its Settings give --server's default; otherwise the folder the spec and its $refs must stay inside (default: the spec's folder)`,
    )
    .addHelpText(
      "after",
      `
Every operation gets security naming its scope, {method}:{normalized_path} as the import names it
(GET /users/{userId} -> get:users_userid), under one OAuth 2.0 scheme with clientCredentials and
authorizationCode flows (Swagger 2.0: two schemes, application and accessCode, as alternatives). An
operation's own security is replaced, with a note on stderr; the rest of the document is kept (YAML
comments and order too). A path item that is a $ref is written inline; a spec with $refs to other files
is written as one bundled document. The copy is for enforcement (express-openapi-validator's
validateSecurity, a gateway): scopectl itself imports the original.

Examples:
  scopectl openapi annotate config/specs/catalog.openapi.yaml --api catalog > catalog.annotated.yaml
  scopectl openapi annotate build/openapi.json --api orders --server https://auth.example.com --out build/openapi.secured.json`,
    )
    .action((file: string, options: AnnotateOptions) => runAnnotate(file, options));
}
